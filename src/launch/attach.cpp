// The attach client: one poll loop over the monitor's socket, our stdin and
// our signals. Detach keys as docker's (default ctrl-p ctrl-q), with a
// terminal; our window size goes to the container's at once and on SIGWINCH.
#include "sandbox/launch/attach.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/launch/detach_keys.hpp"
#include "supervise.hpp"

namespace sbx::launch {
namespace {

constexpr char kInput = 1;          // the monitor's ATTACH_INPUT
constexpr char kCloseStdin = 2;     // the monitor's ATTACH_CLOSE_STDIN
constexpr char kInputMessage = 1;   // the monitor's ATTACH_MSG_INPUT: bytes follow
constexpr char kResizeMessage = 2;  // ATTACH_MSG_RESIZE: rows, columns (uint16 each)
constexpr int kProxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// A sockaddr for `dir`/attach through /proc/self/fd (the run dir's path can
// be longer than sun_path). `dir_fd` must stay open while it is used.
Result<sockaddr_un> socket_address(const std::filesystem::path& dir, UniqueFd& dir_fd) {
  dir_fd = UniqueFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return fail_errno("open", dir.native());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d/attach", dir_fd.get());
  return address;
}

// Restores the signal mask on destruction.
class ProxiedSignals {
 public:
  ProxiedSignals(bool proxy, bool window_changes) {
    if (!proxy && !window_changes) return;
    sigemptyset(&set_);
    if (proxy)
      for (int s : kProxied) sigaddset(&set_, s);
    if (window_changes) sigaddset(&set_, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
    fd_ = UniqueFd(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    active_ = true;
  }
  ~ProxiedSignals() {
    if (active_) ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  ProxiedSignals(const ProxiedSignals&) = delete;
  ProxiedSignals& operator=(const ProxiedSignals&) = delete;
  int fd() const { return fd_.get(); }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
  bool active_ = false;
};

// Writes one output message of the monitor to our stdout or stderr.
void print_output(const char* message, size_t size) {
  if (size < 1) return;
  int to = message[0] == 2 ? STDERR_FILENO : STDOUT_FILENO;
  (void)write_all(to, std::string_view(message + 1, size - 1));
}

struct Session {
  int socket;
  DetachKeyMatcher keys;
  bool terminal;  // the container has one: our window size goes to it
  bool detached = false;
};

// Our terminal's size (stdout's, else stdin's) to the container's pty.
void send_window_size(const Session& s) {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) < 0 && ::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) < 0)
    return;
  char message[5] = {kResizeMessage};
  std::memcpy(message + 1, &size.ws_row, 2);
  std::memcpy(message + 3, &size.ws_col, 2);
  (void)::send(s.socket, message, sizeof message, MSG_NOSIGNAL);
}

// Our stdin to the monitor; false at its end, or when the detach keys came.
bool forward_input(Session& s) {
  char buf[16384];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  std::string out(1, kInputMessage);
  if (s.keys.feed(std::string_view(buf, static_cast<size_t>(n)), out)) s.detached = true;
  if (out.size() > 1) (void)::send(s.socket, out.data(), out.size(), MSG_NOSIGNAL);
  return !s.detached;
}

Status relay(Session& s, bool input, const ProxiedSignals& signals,
             const containers::RuntimeState& state) {
  bool stdin_open = input;
  char buf[16384 + 1];
  for (;;) {
    pollfd p[3] = {{s.socket, POLLIN, 0},
                   {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                   {signals.fd(), POLLIN, 0}};
    if (::poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return fail_errno("poll", "attach");
    }
    if (p[2].revents) {
      signalfd_siginfo info{};
      while (::read(signals.fd(), &info, sizeof info) == sizeof info)
        if (info.ssi_signo == SIGWINCH)
          send_window_size(s);
        else if (state.pid > 0 && containers::process_alive(state.pid, state.pid_start_time))
          ::kill(state.pid, static_cast<int>(info.ssi_signo));
    }
    if (p[1].revents && !forward_input(s)) {
      if (s.detached) return {};
      stdin_open = false;
      ::shutdown(s.socket, SHUT_WR);  // the end of our input
    }
    if (p[0].revents) {
      ssize_t n = ::recv(s.socket, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return {};  // the container ended (or the monitor is gone)
      print_output(buf, static_cast<size_t>(n));
    }
  }
}

}  // namespace

std::filesystem::path attach_socket_path(const std::filesystem::path& runtime_dir) {
  return runtime_dir / "attach";
}

Result<UniqueFd> listen_attach_socket(const std::filesystem::path& runtime_dir) {
  UniqueFd dir_fd;
  sockaddr_un address = SBX_TRY(socket_address(runtime_dir, dir_fd));
  std::string path = attach_socket_path(runtime_dir).native();
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", path);
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return fail_errno("unlink", path);
  mode_t old = ::umask(0177);  // srw------- : only the user
  int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  int bind_errno = errno;
  ::umask(old);
  if (bound < 0) return fail_errno("bind", path, bind_errno);
  if (::listen(fd.get(), 8) < 0) return fail_errno("listen", path);
  return fd;
}

Result<int> attach_container(const containers::Containers& containers, const std::string& id,
                             const AttachOptions& options) {
  auto info = SBX_TRY(containers.info(id));
  // The monitor's socket, not the status, says whether there is output to
  // come: `start -a`'s container may have ended already, its output held.
  UniqueFd dir_fd;
  auto address = socket_address(info.runtime_dir, dir_fd);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", "attach");
  if (!address ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) < 0) {
    if (info.status != containers::ContainerStatus::kRunning || !info.runtime)
      return fail(Error("you cannot attach to a stopped container " + info.name)
                      .with_hint("start it first: sandbox start -a " + info.name));
    if (errno == ENOENT || errno == ECONNREFUSED)
      return fail(Error("container " + info.name + " has no attach socket", errno)
                      .with_hint("only detached containers (run -d, start) can be attached; "
                                 "this one runs in the foreground of its sandbox run"));
    return fail_errno("connect", attach_socket_path(info.runtime_dir).native());
  }
  bool input = options.input && info.spec.interactive;
  char flags = static_cast<char>((input ? kInput : 0) | (options.close_stdin ? kCloseStdin : 0));
  // EPIPE: the container ended and the monitor is done; its output waits in
  // our socket all the same.
  if (::send(fd.get(), &flags, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
    return fail_errno("send", "attach");
  // docker's: the keys are looked for only in a terminal's input.
  std::string keys = input && info.spec.tty ? options.detach_keys : std::string();
  detail::RawTerminal raw(input && info.spec.tty && ::isatty(STDIN_FILENO));
  ProxiedSignals signals(options.sig_proxy && !info.spec.tty, info.spec.tty);
  Session session{fd.get(), DetachKeyMatcher(std::move(keys)), info.spec.tty};
  if (session.terminal) send_window_size(session);
  SBX_TRY(relay(session, input, signals, info.runtime.value_or(containers::RuntimeState{})));
  if (session.detached) {
    std::fprintf(stderr, "\r\nread escape sequence\r\n");  // docker's words
    return 0;
  }
  return SBX_TRY(containers::wait_container(containers, id));
}

}  // namespace sbx::launch
