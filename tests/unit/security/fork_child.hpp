// Runs a test body in a forked child, so filters, capability cuts and user
// namespaces never touch the test process itself.
#pragma once

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

namespace sbx::security::testing {

struct ChildResult {
  int exit_code = -1;  // -1 when killed
  int signal = 0;
  std::string output;  // what the child wrote to the pipe
};

// `body` gets the write end of a pipe and returns the child's exit code.
inline ChildResult run_in_child(const std::function<int(int out_fd)>& body) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int code = 120;
    try {
      code = body(fds[1]);
    } catch (...) {
    }
    _exit(code);
  }
  close(fds[1]);
  ChildResult result;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

inline void write_text(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// unshare(CLONE_NEWUSER) and check that the new namespace grants capabilities
// (hosts such as Ubuntu 24.04 with AppArmor's userns restriction create the
// namespace but grant nothing). In a forked child only.
inline bool enter_user_namespace() {
  if (unshare(CLONE_NEWUSER) != 0) return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[0].effective & (1u << CAP_SETPCAP)) != 0;
}

// Exit code meaning "the host cannot do this" (e.g. no user namespaces).
inline constexpr int kChildSkip = 77;

}  // namespace sbx::security::testing
