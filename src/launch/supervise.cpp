// The parent while the container runs: signals in, terminal bytes both ways.
#include "supervise.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "sandbox/base/files.hpp"

namespace sbx::launch::detail {
namespace {

constexpr int kHandled[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Our terminal in raw mode while a pty is relayed (Ctrl-C becomes a byte the
// container's terminal turns into SIGINT); restored on destruction.
class RawTerminal {
 public:
  explicit RawTerminal(bool enable) {
    if (!enable || ::tcgetattr(STDIN_FILENO, &saved_) < 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

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

struct Relay {
  int master = -1;
  bool stdin_open = false;
  bool master_open = false;
};

// One poll round; updates the relay state and handles one batch of signals.
Status poll_once(int signal_fd, Relay& r, pid_t pid, std::optional<int>& status) {
  pollfd fds[3] = {{signal_fd, POLLIN, 0},
                   {r.stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                   {r.master_open ? r.master : -1, POLLIN, 0}};
  // Once PID 1 is gone, only drain what the terminal still holds.
  int rc = ::poll(fds, 3, status ? 100 : -1);
  if (rc < 0 && errno != EINTR) return fail(Error::from_errno("poll"));
  if (rc == 0) r.master_open = false;
  if (fds[2].revents) r.master_open = relay(r.master, STDOUT_FILENO);
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
                      bool interactive) {
  return supervise(process.child(), signals, std::move(pty_master), interactive);
}

Result<int> supervise(ChildProcess& child, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive) {
  UniqueFd signal_fd(::signalfd(-1, &signals.set(), SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return fail(Error::from_errno("signalfd"));
  Relay r{pty_master.get(), pty_master && interactive, static_cast<bool>(pty_master)};
  RawTerminal raw(r.master >= 0 && ::isatty(STDIN_FILENO) && interactive);
  if (r.master >= 0) copy_window_size(r.master);
  std::optional<int> status;
  pid_t pid = child.pid();
  while (!status || r.master_open) SBX_TRY(poll_once(signal_fd.get(), r, pid, status));
  child.release();  // reaped above
  return *status;
}

}  // namespace sbx::launch::detail
