// One health probe: a forked child execs the check's command in the
// container (exec's code) with its output into a pipe we read, at most
// kHealthOutputMax bytes kept; past the timeout the child gets SIGTERM,
// which it sends on to the command, then SIGKILL. The state is read,
// changed and written under runtime_dir/health.lock.
#include "sandbox/launch/healthcheck.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::launch {
namespace {

using Clock = std::chrono::steady_clock;

// In the forked child: the command's stdout and stderr are `out`.
[[noreturn]] void exec_probe(const std::filesystem::path& store_root, const std::string& id,
                             const std::vector<std::string>& command, int out) {
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(125);
  ExecOptions options;
  options.store_root = store_root;
  options.flags.container = id;
  options.flags.command = command;
  auto outcome = exec_in_container(options);
  if (!outcome) {
    std::fprintf(stderr, "sandbox: %s\n", outcome.error().message().c_str());
    ::_exit(125);
  }
  if (outcome->error) std::fprintf(stderr, "%s\n", outcome->error->message().c_str());
  std::fflush(nullptr);
  ::_exit(outcome->exit_code);
}

struct ProbeRun {
  int exit_code = -1;
  std::string output;
  bool timed_out = false;
};

// Reads what is there, keeping the first kHealthOutputMax bytes.
void drain(int fd, std::string& kept) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    kept.append(buf, std::min(static_cast<size_t>(n),
                              containers::kHealthOutputMax -
                                  std::min(kept.size(), containers::kHealthOutputMax)));
}

Result<ProbeRun> run_probe(const std::filesystem::path& store_root, const std::string& id,
                           const containers::HealthConfig& config) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return fail_errno("pipe2", "health check output");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork", "health check");
  if (pid == 0) {
    read_end.reset();
    exec_probe(store_root, id, containers::health_command(config), write_end.get());
  }
  ChildProcess child(pid);
  write_end.reset();
  ProbeRun run;
  auto deadline = Clock::now() + std::chrono::nanoseconds(containers::health_timeout_ns(config));
  auto kill_at = Clock::time_point::max();
  for (;;) {
    pollfd p{read_end.get(), POLLIN, 0};
    ::poll(&p, 1, 50);
    drain(read_end.get(), run.output);
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      child.release();
      drain(read_end.get(), run.output);
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    auto now = Clock::now();
    if (!run.timed_out && now >= deadline) {
      run.timed_out = true;
      ::kill(pid, SIGTERM);  // sent on to the command
      kill_at = now + std::chrono::seconds(2);
    } else if (now >= kill_at) {
      ::kill(pid, SIGKILL);
      kill_at = Clock::time_point::max();
    }
  }
  if (run.timed_out) {
    run.exit_code = -1;
    run.output = "Health check exceeded timeout (" +
                 std::to_string(containers::health_timeout_ns(config) / 1'000'000) + "ms)";
  }
  return run;
}

bool in_start_period(const containers::ContainerInfo& info) {
  int64_t period_s = info.spec.health.start_period_ns / 1'000'000'000;
  if (info.spec.health.start_period_ns <= 0 || info.started_at.empty()) return false;
  int64_t started = store::parse_rfc3339(info.started_at);
  return static_cast<int64_t>(std::time(nullptr)) - started <= period_s;
}

}  // namespace

Result<containers::HealthState> run_healthcheck(const std::filesystem::path& store_root,
                                                const std::string& container) {
  auto containers = SBX_TRY(containers::Containers::open(store_root));
  std::string id = SBX_TRY(containers.resolve(container));
  auto info = SBX_TRY(containers.info(id));
  if (!containers::has_healthcheck(info.spec.health))
    return fail(Error("container " + info.name + " has no health check")
                    .with_hint("run it with --health-cmd, or from an image with a HEALTHCHECK"));
  if (info.status != containers::ContainerStatus::kRunning)
    return fail(Error("container " + info.name + " is not running")
                    .with_hint("start it first: sandbox start " + info.name));
  containers::HealthProbe probe;
  probe.start = containers::now_rfc3339();
  auto run = SBX_TRY(run_probe(store_root, id, info.spec.health));
  probe.end = containers::now_rfc3339();
  probe.exit_code = run.exit_code;
  probe.output = std::move(run.output);
  // A probe that raced the container's end says nothing of its health (docker
  // drops the probes its stop cancels).
  if (SBX_TRY(containers.info(id)).status != containers::ContainerStatus::kRunning)
    return fail(Error("container " + info.name + " ended during the health check"));
  auto lock =
      SBX_TRY(FileLock::acquire(info.runtime_dir / "health.lock", FileLock::Mode::kExclusive));
  auto state = containers::read_health_state(info.runtime_dir).value_or(containers::HealthState{});
  containers::record_probe(state, info.spec.health, std::move(probe), in_start_period(info));
  SBX_TRY(containers::write_health_state(info.runtime_dir, state));
  return state;
}

}  // namespace sbx::launch
