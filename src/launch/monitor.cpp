// `run -d` and `start`: a launcher process starts the container and becomes
// its monitor (helpers/monitor), so the container outlives this command.
//
//   sandbox run -d                 launcher (forked, setsid)          container
//   ------------------             -------------------------          ---------
//   fork ---------------------->   stdio -> pipes / /dev/null
//                                  launch() ------------------------> clone ... execve
//                                  state.json
//   recv report  <---------------  [kError "exec command: ..." when init could not exec it]
//                                  kDone (or kFailed{error, hint}, exit)
//   recv EOF     <---------------  fexecve(monitor memfd) closed the report socket
//   print id, exit                 (CLOEXEC; kFailed if it failed). The monitor holds
//                                  the pipes, writes ctr.log, waitpid()s the container,
//                                  then execs
//                                  `sandbox --root R container cleanup --exit-code N ID`
//   [after kError: the caller lets its locks go and waits for the monitor, so the
//    exit (127/126) is recorded when it returns]
//
// The report socket carries SyncMessages (sandbox/base/sync_message.hpp), as the container's own.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <span>
#include <string>
#include <vector>

#include "health_loop.hpp"
#include "launch.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sandbox/containers/events.hpp"
#include "sandbox/launch/attach.hpp"
#include "sealed_memfd.hpp"

extern "C" const char sbx_monitor_start[];
extern "C" const char sbx_monitor_end[];
extern char** environ;

namespace sbx::launch {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", what);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status keep_across_exec(int fd) {
  if (fd >= 0 && ::fcntl(fd, F_SETFD, 0) < 0) return fail_errno("fcntl(F_SETFD)", "monitor fd");
  return {};
}

// The container's stdio while the launcher launches it; the launcher's own
// 0/1/2 never stay on the user's terminal (a `$(sandbox run -d ...)` must end).
struct LauncherStdio {
  Pipe out, err, in;
  bool pipes = false;
};

Result<LauncherStdio> redirect_stdio(const containers::ContainerSpec& spec) {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return fail_errno("open", "/dev/null");
  LauncherStdio io;
  int in = null.get(), out = null.get(), err = null.get();
  if (!spec.tty) {  // with -t the child puts the pty on 0/1/2
    io.pipes = true;
    io.out = SBX_TRY(make_pipe("stdout"));
    io.err = SBX_TRY(make_pipe("stderr"));
    out = io.out.write.get();
    err = io.err.write.get();
    if (spec.interactive) {  // -i: stdin stays open (the monitor holds the other end)
      io.in = SBX_TRY(make_pipe("stdin"));
      in = io.in.read.get();
    }
  }
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
    return fail_errno("dup2", "container stdio");
  return io;
}

Status stdio_to_null() {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return fail_errno("open", "/dev/null");
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(null.get(), fd) < 0) return fail_errno("dup2", "/dev/null");
  return {};
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("sandbox");
}

// The monitor's health probes: `sandbox --root R healthcheck run ID`, by its
// --exe fd, every interval.
void add_health_args(std::vector<std::string>& args, const containers::ContainerSpec& spec,
                     const std::filesystem::path& store_root, const std::string& id) {
  if (!containers::has_healthcheck(spec.health)) return;
  int64_t ms = std::max<int64_t>(containers::health_interval_ns(spec.health) / 1'000'000, 1);
  args.insert(args.end(), {"--health-every", std::to_string(ms)});
  for (const std::string& word : detail::health_probe_argv(store_root, id))
    args.insert(args.end(), {"--health-arg", word});
}

// monitor.pid in the runtime dir: `generate systemd`'s PIDFile= (the
// launcher's pid is the monitor's once it execs it).
Status write_monitor_pid(const std::filesystem::path& runtime_dir) {
  return write_file_atomic(runtime_dir / "monitor.pid", std::to_string(::getpid()) + "\n", 0600,
                           Durability::kVolatile);
}

struct LauncherContext {
  const containers::Containers* containers;
  const std::string* id;
  const LaunchPlan* plan;
  const containers::ContainerSpec* spec;
  NamespacesToJoin ahead;
  int monitor_fd;
  int report_fd;
  bool wait_for_attach;  // start -a: output waits for the first attach client
};

// Runs in the launcher; returns only on an error (else it became the monitor).
Status launch_and_become_monitor(const LauncherContext& c) {
  const std::string& id = *c.id;
  auto io = SBX_TRY(redirect_stdio(*c.spec));
  std::string started_at = containers::now_rfc3339();
  SBX_TRY(c.containers->mark_started(id, started_at));
  auto launched = SBX_TRY(launch(*c.plan, *c.spec, c.containers->runtime_dir(id), c.ahead));
  SBX_TRY(
      c.containers->write_runtime_state(id, describe_launched(launched, ::getpid(), started_at)));
  SBX_TRY(write_monitor_pid(c.containers->runtime_dir(id)));
  containers::record_container_event(*c.containers, id, "start");
  UniqueFd pty = launched.process.take_pty_master();
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  // --log-driver none: the monitor relays to attach clients and logs nothing.
  std::string log = containers::keeps_log(*c.spec)
                        ? containers::container_log_file(*c.spec, c.containers->store_dir(id))
                        : "/dev/null";
  std::vector<std::string> args = {"sandbox-monitor", "--pid",
                                   std::to_string(launched.process.pid()), "--log", log};
  auto add_fd = [&](const char* flag, int fd) -> Status {
    if (fd < 0) return {};
    SBX_TRY(keep_across_exec(fd));
    args.insert(args.end(), {flag, std::to_string(fd)});
    return {};
  };
  SBX_TRY(add_fd("--out", io.out.read.get()));
  SBX_TRY(add_fd("--err", io.err.read.get()));
  SBX_TRY(add_fd("--pty", pty.get()));
  SBX_TRY(add_fd("--stdin", io.in.write.get()));
  SBX_TRY(add_fd("--exe", exe.get()));
  UniqueFd attach = SBX_TRY(listen_attach_socket(c.containers->runtime_dir(id)));
  SBX_TRY(add_fd("--attach", attach.get()));
  if (c.wait_for_attach) args.push_back("--attach-wait");
  // Said first: the monitor still records the exit (init exits 127/126) and
  // removes an --rm container, so that the caller finds it ended.
  if (const auto& failed = launched.command_failed) {
    const std::string& command = c.plan->process.args.front();
    (void)send_sync(c.report_fd, make_sync_error(failed->errno_value(), SBX_SYNC_EXEC_COMMAND_STEP,
                                                 "execve", command.c_str()));
  }
  for (pid_t helper : {launched.network.helper_pid(), launched.network.forwarder_pid()})
    if (helper > 0) args.insert(args.end(), {"--kill-on-exit", std::to_string(helper)});
  add_health_args(args, *c.spec, c.containers->store_root(), id);
  args.insert(args.end(), {"--", self_exe(), "--root", c.containers->store_root().string(),
                           "container", "cleanup", "--exit-code", "{exit}", id});
  // Our ends of the container's stdio go; only the monitor's ends stay.
  io.out.write.reset();
  io.err.write.reset();
  io.in.read.reset();
  SBX_TRY(stdio_to_null());
  std::vector<char*> argv = c_string_array(args);
  launched.network.release();
  (void)send_sync(c.report_fd, make_sync_message(SyncType::kDone));
  ::fexecve(c.monitor_fd, argv.data(), environ);
  // Reported after kDone: the launcher's return kills the container, which
  // must not run unwatched.
  return fail_errno("fexecve", "sandbox-monitor");
}

[[noreturn]] void run_launcher(const LauncherContext& c) {
  ::setsid();
  Status done = launch_and_become_monitor(c);
  (void)send_sync(c.report_fd, make_sync_failure(done.error()));
  ::_exit(1);
}

// The launcher's report: kDone then EOF once the monitor runs, or kFailed;
// nothing when it died. Before kDone, a kError when the command could not be
// exec'd: then the monitor only records that end, and we wait for it.
Result<DetachedStart> read_report(int fd, ChildProcess& launcher) {
  auto first = SBX_TRY(receive_sync(fd));
  std::optional<Error> command_failed;
  if (first && is_command_exec_failure(first->message)) {
    command_failed = sync_error_to_error(first->message);
    first = SBX_TRY(receive_sync(fd));
  }
  bool done = first && first->message.type == SyncType::kDone;
  auto then = done ? SBX_TRY(receive_sync(fd)) : std::move(first);
  if (done && !then) {
    if (command_failed) return DetachedStart{std::move(command_failed), std::move(launcher)};
    launcher.release();  // it is the monitor now
    return DetachedStart{};
  }
  auto status = launcher.wait();
  if (!then)
    return fail("the container launcher " +
                (status ? describe_wait_status(*status) : status.error().message()));
  if (then->message.type != SyncType::kFailed)
    return fail("launcher report: unexpected message from the container launcher");
  return fail(sync_error_to_error(then->message));
}

}  // namespace

Result<DetachedStart> launch_detached(const containers::Containers& containers,
                                      const std::string& id, const LaunchPlan& plan,
                                      const containers::ContainerSpec& spec, NamespacesToJoin ahead,
                                      bool wait_for_attach) {
  if (spec.log_driver == containers::kLogDriverPassthrough)
    return fail(Error("container " + spec.name +
                          " uses the passthrough log driver: its stdio is the caller's, so it "
                          "runs only in the foreground",
                      EINVAL)
                    .with_hint("run it with sandbox run (without -d), or make it with "
                               "--log-driver k8s-file"));
  UniqueFd monitor = SBX_TRY(detail::make_sealed_memfd(
      "sandbox-monitor", "monitor",
      std::span<const char>(sbx_monitor_start,
                            static_cast<size_t>(sbx_monitor_end - sbx_monitor_start))));
  auto [parent_end, launcher_end] = SBX_TRY(make_sync_pair());
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork", "container launcher");
  if (pid == 0) {
    parent_end.reset();
    run_launcher({&containers, &id, &plan, &spec, ahead, monitor.get(), launcher_end.get(),
                  wait_for_attach});
  }
  ChildProcess launcher(pid);
  launcher_end.reset();
  return read_report(parent_end.get(), launcher);
}

}  // namespace sbx::launch
