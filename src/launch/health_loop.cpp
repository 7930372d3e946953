// The foreground run's health probes (health_loop.hpp). The child only
// forks, execs, waits and sleeps: everything it needs is made before fork.
#include "health_loop.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "sandbox/base/strings.hpp"

extern char** environ;

namespace sbx::launch::detail {
namespace {

// In the forked child: one probe every `interval_ns`, the next an interval
// after the last one ended; never returns.
[[noreturn]] void probe_forever(int exe, char* const* argv, int64_t interval_ns, pid_t run) {
  // A run killed with SIGKILL leaves no prober behind.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != run) ::_exit(0);
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_UNBLOCK, &all, nullptr);  // the run blocks what it forwards
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0 || ::dup2(null, 2) < 0) ::_exit(1);
  for (;;) {
    timespec wait{static_cast<time_t>(interval_ns / 1'000'000'000),
                  static_cast<long>(interval_ns % 1'000'000'000)};
    while (::nanosleep(&wait, &wait) < 0 && errno == EINTR) {
    }
    pid_t probe = ::fork();
    if (probe == 0) {
      ::execveat(exe, "", argv, environ, AT_EMPTY_PATH);
      ::_exit(127);
    }
    if (probe > 0)
      while (::waitpid(probe, nullptr, 0) < 0 && errno == EINTR) {
      }
  }
}

}  // namespace

std::vector<std::string> health_probe_argv(const std::filesystem::path& store_root,
                                           const std::string& id) {
  return {"sandbox", "--root", store_root.string(), "healthcheck", "run", id};
}

Result<ForegroundHealthChecks> ForegroundHealthChecks::start(
    const std::filesystem::path& store_root, const std::string& id,
    const containers::HealthConfig& config) {
  ForegroundHealthChecks checks;
  if (!containers::has_healthcheck(config)) return checks;
  int exe = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0) return fail_errno("open", "/proc/self/exe");
  std::vector<std::string> words = health_probe_argv(store_root, id);
  std::vector<char*> argv = c_string_array(words);
  int64_t interval_ns = std::max<int64_t>(containers::health_interval_ns(config), 1'000'000);
  pid_t run = ::getpid();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(exe);
    return fail_errno("fork", "health checks", saved);
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    probe_forever(exe, argv.data(), interval_ns, run);
  }
  ::close(exe);
  ::setpgid(pid, pid);  // either of us may come first
  checks.pid_ = pid;
  return checks;
}

ForegroundHealthChecks::ForegroundHealthChecks(ForegroundHealthChecks&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)) {}

ForegroundHealthChecks& ForegroundHealthChecks::operator=(ForegroundHealthChecks&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

void ForegroundHealthChecks::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);  // the loop and a probe in flight
  ::kill(pid_, SIGKILL);   // in case it had not made its group yet
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace sbx::launch::detail
