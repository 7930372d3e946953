// Starting and ending slirp4netns. The fork child only makes syscalls: every
// string it needs is built before fork().
#include "sandbox/net/slirp.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/unique_fd.hpp"

extern char** environ;

namespace sbx::net {
namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kReadyFd = 3;  // --ready-fd in the child

std::vector<std::string> slirp_argv(const SlirpLaunch& l) {
  std::vector<std::string> argv = {l.program, "--configure",
                                   "--mtu=" + std::to_string(l.options.mtu),
                                   "--ready-fd=" + std::to_string(kReadyFd),
                                   // relative to its cwd (our dir): no sun_path length limit
                                   std::string("--api-socket=") + Slirp4netns::kSocketName,
                                   // its own mount namespace and a syscall filter: both
                                   // work rootless with slirp4netns 1.2
                                   "--enable-sandbox", "--enable-seccomp"};
  if (!l.options.allow_host_loopback) argv.emplace_back("--disable-host-loopback");
  if (l.options.enable_ipv6) argv.emplace_back("--enable-ipv6");
  if (l.options.cidr != kDefaultCidr) argv.push_back("--cidr=" + l.options.cidr);
  argv.push_back(std::to_string(l.target_pid));
  argv.emplace_back("tap0");
  return argv;
}

struct ChildFds {
  int null_fd, log_fd, ready_fd;
};

// After fork: die with our parent (sandbox run, or the monitor it becomes),
// leave the terminal's process group (a ^C is the container's business), and
// keep only stdio and the ready fd.
[[noreturn]] void exec_slirp(pid_t parent, const char* dir, const ChildFds& fds, char* const* argv,
                             bool detached) noexcept {
  if (!detached) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!detached && ::getppid() != parent) ::_exit(127);
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  if (::chdir(dir) < 0) ::_exit(127);
  if (::dup2(fds.null_fd, 0) < 0 || ::dup2(fds.log_fd, 1) < 0 || ::dup2(fds.log_fd, 2) < 0)
    ::_exit(127);
  if (fds.ready_fd == kReadyFd ? ::fcntl(kReadyFd, F_SETFD, 0) < 0
                               : ::dup2(fds.ready_fd, kReadyFd) < 0)
    ::_exit(127);
  ::close_range(kReadyFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(argv[0], argv, environ);
  static constexpr char kMsg[] = "sandbox: execve(slirp4netns) failed\n";
  (void)!::write(2, kMsg, sizeof kMsg - 1);
  ::_exit(127);
}

std::string last_log_line(const std::filesystem::path& log) {
  auto text = read_file(log).value_or("");
  std::string last;
  for (const auto& line : split(text, '\n'))
    if (!trim(line).empty() && !line.starts_with("WARNING: Support for seccomp"))
      last = std::string(trim(line));
  return last;
}

// Waits for the "1" slirp4netns writes once tap0 is up.
Status await_ready(int ready_fd, ChildProcess& process, const std::filesystem::path& log) {
  pollfd p{ready_fd, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, kReadyTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail_errno("poll", "slirp4netns ready fd");
  char c = 0;
  if (n == 1 && ::read(ready_fd, &c, 1) == 1 && c == '1') return {};
  std::string why = "did not get ready in " + std::to_string(kReadyTimeoutMs / 1000) + "s";
  if (n == 1) {
    int status = SBX_TRY(process.wait());
    why = describe_wait_status(status);
  }
  std::string last = last_log_line(log);
  return fail(
      Error("slirp4netns " + why + (last.empty() ? "" : ": " + last))
          .with_hint("sandbox system check shows whether slirp4netns and /dev/net/tun work"));
}

// slirp4netns's fd of /dev/net/tun (it opened tap0 in the container's
// namespace and passed the fd back to its main process), or -1.
int find_tun_fd(pid_t pid) {
  std::error_code ec;
  auto dir = std::filesystem::path("/proc") / std::to_string(pid) / "fd";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target == "/dev/net/tun") return std::atoi(entry.path().filename().c_str());
  }
  return -1;
}

// When slirp4netns exits, closing the last fd of tap0 unregisters the device,
// and its exit waits 15-20 ms for RCU grace periods in the kernel, while we
// wait to reap it. Marked persistent (through a copy of its fd, taken with
// pidfd_getfd: it is our child), tap0 outlives slirp4netns and goes when the
// container's network namespace does, removed by the kernel in the
// background. Best effort: without it only the exit is slower.
void make_tap_persistent(pid_t pid) {
  int tun_fd = find_tun_fd(pid);
  if (tun_fd < 0) return;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return;
  UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), tun_fd, 0)));
  if (copy) (void)::ioctl(copy.get(), TUNSETPERSIST, 1);
}

}  // namespace

void Slirp4netns::begin_stop() const {
  pid_t pid = process_.pid();
  if (pid <= 0) return;
  auto running = [pid] {
    auto stat = read_proc_stat(pid);
    return stat && stat->state == 'R';  // running or runnable
  };
  for (int wait = 0; wait < 100 && running(); ++wait) ::usleep(1000);
  process_.signal(SIGKILL);
}

Result<Slirp4netns> Slirp4netns::start(const SlirpLaunch& launch) {
  auto slirp = SBX_TRY(spawn(launch));
  SBX_TRY(slirp.wait_ready());
  return slirp;
}

Status Slirp4netns::wait_ready() {
  if (!ready_) return {};
  auto log = dir_ / kLogName;
  auto ready = await_ready(ready_.get(), process_, log);
  ready_.reset();
  if (!ready) {
    process_.kill_and_reap();
    ::unlink(api_socket().c_str());
    ::unlink(log.c_str());
    return ready;
  }
  make_tap_persistent(process_.pid());
  return ready;
}

Result<Slirp4netns> Slirp4netns::spawn(const SlirpLaunch& launch) {
  SBX_TRY(make_dirs(launch.dir, 0700));
  auto socket = launch.dir / kSocketName;
  if (::unlink(socket.c_str()) < 0 && errno != ENOENT) return fail_errno("unlink", socket.native());
  auto log = launch.dir / kLogName;
  UniqueFd log_fd = SBX_TRY(open_file(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600));
  UniqueFd null_fd = SBX_TRY(open_file("/dev/null", O_RDONLY));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "slirp4netns ready fd");
  UniqueFd ready_r(pipe_fds[0]), ready_w(pipe_fds[1]);

  auto args = slirp_argv(launch);
  std::vector<char*> argv = c_string_array(args);
  std::string dir = launch.dir.string();
  ChildFds fds{null_fd.get(), log_fd.get(), ready_w.get()};
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork", "slirp4netns");
  if (pid == 0) exec_slirp(parent, dir.c_str(), fds, argv.data(), launch.detached);
  ready_w.reset();
  return Slirp4netns(ChildProcess(pid), launch.dir, std::move(ready_r));
}

Slirp4netns::~Slirp4netns() {
  if (!process_) return;
  process_.kill_and_reap();
  ::unlink(api_socket().c_str());
  ::unlink((dir_ / kLogName).c_str());
}

void Slirp4netns::release() {
  process_.release();
  dir_.clear();
}

Result<std::string> find_slirp4netns() {
  if (auto path = find_program("slirp4netns")) return *path;
  return fail(Error("slirp4netns is not installed: a container's own network needs it")
                  .with_hint("apt-get install slirp4netns (or dnf install slirp4netns), "
                             "or run with --network none or --network host"));
}

Status check_tun_usable() {
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  int err = errno;
  auto error = Error::from_errno("open", "/dev/net/tun", err);
  if (err == ENOENT)
    return fail(std::move(error).with_hint(
        "as root: modprobe tun (and mknod /dev/net/tun c 10 200; chmod 0666 /dev/net/tun)"));
  return fail(std::move(error).with_hint(
      "as root: chmod 0666 /dev/net/tun, or a udev rule KERNEL==\"tun\", MODE=\"0666\" "
      "(slirp4netns needs it; --network none or host do not)"));
}

bool slirp_alive(pid_t pid, pid_t container_pid) {
  if (pid <= 0) return false;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline || cmdline->empty()) return false;  // gone, or a zombie
  auto args = split(*cmdline, '\0');
  while (!args.empty() && args.back().empty()) args.pop_back();
  if (args.size() < 3 || !args[0].ends_with("slirp4netns")) return false;
  return args[args.size() - 2] == std::to_string(container_pid);
}

}  // namespace sbx::net
