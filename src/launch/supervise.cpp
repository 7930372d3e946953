// The parent while the container runs: signals in, terminal bytes both ways.
#include "supervise.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "sandbox/base/files.hpp"

namespace sbx::launch::detail {
namespace {

constexpr int kHandled[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void copy_window_size(int master) {
  winsize size{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0) ::ioctl(master, TIOCSWINSZ, &size);
}

// Returns false when `from` reached its end (EOF, or EIO: the last slave closed).
bool relay(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  return static_cast<bool>(write_all(to, std::string_view(buf, static_cast<size_t>(n))));
}

// One source of the container's output: the pty master (-t) or a pipe.
struct OutputStream {
  int from = -1;   // -1: ended
  UniqueFd owned;  // a pipe's read end, closed when it ends
  int to = STDOUT_FILENO;
  bool is_stderr = false;
  void end() {
    from = -1;
    owned.reset();  // a writer left in the container now gets EPIPE, as with our own stdout
  }
};

// Copies one read of `s` to our side and to the log; false at its end, or
// when our side is gone (a closed pipe: the container is told the same).
bool copy_output(OutputStream& s, containers::LogWriter* log) {
  char buf[16384];
  ssize_t n = ::read(s.from, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  std::string_view data(buf, static_cast<size_t>(n));
  if (log) log->write(s.is_stderr, data);
  return static_cast<bool>(write_all(s.to, data));
}

struct Relay {
  int master = -1;
  bool stdin_open = false;
  OutputStream streams[3];  // the pty master, the stdout pipe, the stderr pipe
  containers::LogWriter* log = nullptr;
  bool output_open() const {
    return std::ranges::any_of(streams, [](const OutputStream& s) { return s.from >= 0; });
  }
};

// One poll round; updates the relay state and handles one batch of signals.
Status poll_once(int signal_fd, Relay& r, pid_t pid, std::optional<int>& status) {
  pollfd fds[5] = {{signal_fd, POLLIN, 0}, {r.stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
  for (int i = 0; i < 3; ++i) fds[2 + i] = {r.streams[i].from, POLLIN, 0};
  // Once PID 1 is gone, only drain what the terminal and the pipes still hold.
  int rc = ::poll(fds, 5, status ? 100 : -1);
  if (rc < 0 && errno != EINTR) return fail(Error::from_errno("poll"));
  for (int i = 0; i < 3; ++i) {
    OutputStream& s = r.streams[i];
    if (s.from >= 0 && (rc == 0 || (fds[2 + i].revents && !copy_output(s, r.log)))) s.end();
  }
  if (fds[1].revents && !relay(STDIN_FILENO, r.master)) {
    r.stdin_open = false;
    char eof = 4;  // ^D: end of input for the container's terminal
    (void)!::write(r.master, &eof, 1);
  }
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) {
      if (r.master >= 0) copy_window_size(r.master);
    } else if (sig != SIGCHLD) {
      ::kill(pid, sig);
    }
  }
  int wait_status;
  if (!status && ::waitpid(pid, &wait_status, WNOHANG) == pid) status = wait_status;
  return {};
}

}  // namespace

BlockedSignals::BlockedSignals() {
  sigemptyset(&set_);
  for (int sig : kHandled) sigaddset(&set_, sig);
  ::sigprocmask(SIG_BLOCK, &set_, &old_);
}

BlockedSignals::~BlockedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

Result<int> supervise(ContainerProcess& process, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive, OutputCopy output) {
  return supervise(process.child(), signals, std::move(pty_master), interactive, std::move(output));
}

Result<int> supervise(ChildProcess& child, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive, OutputCopy output) {
  UniqueFd signal_fd(::signalfd(-1, &signals.set(), SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return fail(Error::from_errno("signalfd"));
  Relay r;
  r.master = pty_master.get();
  r.stdin_open = pty_master && interactive;
  r.streams[0].from = pty_master.get();
  r.streams[1] = {output.out.get(), std::move(output.out), STDOUT_FILENO, false};
  r.streams[2] = {output.err.get(), std::move(output.err), STDERR_FILENO, true};
  r.log = output.log;
  RawTerminal raw(r.master >= 0 && ::isatty(STDIN_FILENO) && interactive);
  if (r.master >= 0) copy_window_size(r.master);
  std::optional<int> status;
  pid_t pid = child.pid();
  while (!status || r.output_open()) SBX_TRY(poll_once(signal_fd.get(), r, pid, status));
  child.release();  // reaped above
  return *status;
}

}  // namespace sbx::launch::detail
