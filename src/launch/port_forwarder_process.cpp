#include "port_forwarder_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <span>
#include <string>

#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sealed_memfd.hpp"

extern "C" const char sbx_portfwd_start[];
extern "C" const char sbx_portfwd_end[];

namespace sbx::launch {
namespace {

// After fork: exec sandbox-portfwd with `control` as fd 3, `netns` as fd 4
// and `userns` (-1: none, it is ours) as fd 5, every other fd closed at
// exec; it joins them itself after the exec (see portfwd.c). With `parent`
// > 0 it dies with that process. A failure writes {step, errno} on `report`.
[[noreturn]] void become_forwarder(int userns, int netns, int program, int report, int control,
                                   pid_t parent) {
  ::setsid();
  auto fail_with = [&report](int step) {
    int msg[2] = {step, errno};
    (void)!::write(report, msg, sizeof msg);
    ::_exit(1);
  };
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  if (parent > 0 && (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || ::getppid() != parent))
    ::_exit(1);
  // Above the fds the dup2s below make first: they must not close them.
  constexpr int kHigh = 10;
  program = ::fcntl(program, F_DUPFD_CLOEXEC, kHigh);
  report = ::fcntl(report, F_DUPFD_CLOEXEC, kHigh);
  control = ::fcntl(control, F_DUPFD_CLOEXEC, kHigh);
  netns = ::fcntl(netns, F_DUPFD_CLOEXEC, kHigh);
  if (userns >= 0) userns = ::fcntl(userns, F_DUPFD_CLOEXEC, kHigh);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (program < 0 || report < 0 || null < 0) ::_exit(1);
  if (control < 0 || netns < 0 || userns < -1) fail_with(1);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  if (::dup2(control, 3) < 0 || ::dup2(netns, 4) < 0 || (userns >= 0 && ::dup2(userns, 5) < 0))
    fail_with(1);
  ::close_range(userns >= 0 ? 6 : 5, ~0U, CLOSE_RANGE_CLOEXEC);
  if (::chdir("/") < 0) fail_with(2);
  const char* with_userns[] = {"sandbox-portfwd", "--control", "3",    "--netns", "4",
                               "--userns",        "5",         nullptr};
  const char* without_userns[] = {"sandbox-portfwd", "--control", "3", "--netns", "4", nullptr};
  const char* envp[] = {nullptr};
  ::syscall(SYS_execveat, program, "", userns >= 0 ? with_userns : without_userns, envp,
            AT_EMPTY_PATH);
  fail_with(3);
  ::_exit(1);
}

Result<UniqueFd> open_namespace_of(pid_t pid, const char* kind) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("open", path);
  return fd;
}

// Whether namespace `fd` is the one we are in already (setns to it is EINVAL).
bool is_own_namespace(int fd, const char* own_path) {
  struct stat theirs {
  }, ours{};
  return ::fstat(fd, &theirs) == 0 && ::stat(own_path, &ours) == 0 &&
         theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
}

}  // namespace

Result<pid_t> start_port_forwarder(pid_t ns_pid, int control, ForwarderLife life) {
  UniqueFd userns = SBX_TRY(open_namespace_of(ns_pid, "user"));
  UniqueFd netns = SBX_TRY(open_namespace_of(ns_pid, "net"));
  if (is_own_namespace(userns.get(), "/proc/self/ns/user")) userns.reset();
  UniqueFd program = SBX_TRY(detail::make_sealed_memfd(
      "sandbox-portfwd", "port forwarder",
      std::span<const char>(sbx_portfwd_start,
                            static_cast<size_t>(sbx_portfwd_end - sbx_portfwd_start))));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "port forwarder");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t parent = life == ForwarderLife::kDiesWithUs ? ::getpid() : 0;
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork", "port forwarder");
  if (pid == 0)
    become_forwarder(userns ? userns.get() : -1, netns.get(), program.get(), write_end.get(),
                     control, parent);
  write_end.reset();
  int msg[2] = {0, 0};
  ssize_t n;
  while ((n = ::read(read_end.get(), msg, sizeof msg)) < 0 && errno == EINTR) {
  }
  if (n == 0) return pid;  // exec'd
  static constexpr const char* kSteps[] = {"", "dup2(fds)", "chdir(/)", "execveat(portfwd)"};
  int step = msg[0] >= 1 && msg[0] <= 3 ? msg[0] : 0;
  ChildProcess(pid).kill_and_reap();
  return fail(Error::from_errno("port forwarder", kSteps[step], msg[1]));
}

}  // namespace sbx::launch
