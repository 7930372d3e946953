// create, start, state, kill, delete and run: runc's lifecycle over the
// state dir. The container's init is the only process that stays: there is
// no monitor of ours between it and the engine.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console_socket.hpp"
#include "hooks.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/cgroup/placement.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/launch/create.hpp"
#include "sandbox/oci/config.hpp"
#include "sandbox/oci/plan.hpp"
#include "sandbox/oci/runtime.hpp"

namespace sbx::oci {
namespace {

// A create that fails part way leaves nothing: no state dir, no process.
struct UndoCreate {
  const StateDir& dir;
  std::string id;
  pid_t pid = -1;
  bool armed = true;
  ~UndoCreate() {
    if (!armed) return;
    if (pid > 0) ::kill(pid, SIGKILL);
    (void)dir.remove(id);
  }
};

Status write_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return {};
  return with_context(write_file_atomic(path, std::to_string(pid), 0644, Durability::kVolatile),
                      "--pid-file");
}

Status write_oom_score_adj(pid_t pid, int value) {
  auto fd =
      SBX_TRY(open_file("/proc/" + std::to_string(pid) + "/oom_score_adj", O_WRONLY | O_CLOEXEC));
  return with_context(write_all(fd.get(), std::to_string(value)), "process.oomScoreAdj");
}

// Waits up to `seconds` for `pid` to exit (not necessarily our child).
bool await_exit(pid_t pid, int seconds) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return errno == ESRCH;
  pollfd p{fd.get(), POLLIN, 0};
  return ::poll(&p, 1, seconds * 1000) == 1;
}

// `terminal_out`: run in the foreground keeps the pty to relay it (runc does
// the same); everything else sends it to --console-socket.
Result<ContainerState> create_locked(const StateDir& dir, const CreateOptions& o, UndoCreate& undo,
                                     UniqueFd* terminal_out) {
  std::error_code ec;
  auto bundle = std::filesystem::canonical(std::filesystem::absolute(o.bundle), ec);
  if (ec) return fail("bundle " + o.bundle.string() + ": " + ec.message());
  std::string text = SBX_TRY_CTX(read_file(bundle / "config.json"), "bundle " + bundle.string());
  auto config = SBX_TRY_CTX(parse_config(text), (bundle / "config.json").string());
  auto plan = SBX_TRY(plan_from_config(config, o.id, bundle, ::geteuid()));
  // Limits this host cannot enforce fail here, before anything starts.
  (void)SBX_TRY_CTX(cgroup::settle_limits(plan.cgroup), "linux.resources");
  UniqueFd console;
  bool keep_terminal = config.process.terminal && o.console_socket.empty() && terminal_out;
  if (config.process.terminal && !keep_terminal) {
    if (o.console_socket.empty())
      return fail(
          "process.terminal is set: a detached container needs a --console-socket to receive "
          "its pty");
    console = SBX_TRY(connect_console_socket(o.console_socket));
  }
  SBX_TRY(write_file_atomic(dir.config_copy(o.id), text, 0600, Durability::kVolatile));

  ContainerState state{o.id,
                       0,
                       0,
                       bundle.string(),
                       plan.rootfs.string(),
                       containers::now_rfc3339(),
                       ::geteuid(),
                       config.annotations};
  launch::CreateRequest request;
  request.join_paths = plan.join_paths;
  request.preserve_fds = o.preserve_fds;
  request.start_gate = dir.start_gate(o.id);
  request.host_side = [&](pid_t pid) -> Status {
    undo.pid = pid;
    state.pid = pid;
    state.pid_start_time = containers::process_start_time(pid);
    if (plan.oom_score_adj) SBX_TRY(write_oom_score_adj(pid, *plan.oom_score_adj));
    if (plan.cgroup.limits.any()) {
      auto placed = SBX_TRY_CTX(cgroup::place(o.id, plan.cgroup, pid, ::getpid()), "cgroup");
      state.cgroup = placed.container.string();
    }
    std::string state_text = state_json(state, ContainerStatus::kCreated);
    SBX_TRY(run_hooks(config.hooks.prestart, "prestart", state_text));
    return run_hooks(config.hooks.create_runtime, "createRuntime", state_text);
  };
  auto created = SBX_TRY(launch::create_container(plan.launch, request));
  if (created.pty_master && keep_terminal) *terminal_out = std::move(created.pty_master);
  if (created.pty_master) SBX_TRY(send_pty_master(console.get(), created.pty_master.get()));
  SBX_TRY(dir.write(state));
  SBX_TRY(write_pid_file(o.pid_file, state.pid));
  return state;
}

Status kill_and_await(pid_t pid) {
  if (::kill(pid, SIGKILL) < 0 && errno != ESRCH) return fail_errno("kill", std::to_string(pid));
  if (!await_exit(pid, 10)) return fail("process " + std::to_string(pid) + " did not die");
  return {};
}

Status remove_stopped(const StateDir& dir, const ContainerState& state) {
  // Hooks are the creator's: root deleting another user's container (Slurm)
  // must not run commands that user wrote into its config as root.
  bool foreign = ::geteuid() == 0 && state.owner != 0;
  auto config = read_saved_config(dir, state.id);
  if (!state.cgroup.empty()) SBX_TRY_CTX(cgroup::remove_cgroup(state.cgroup), "cgroup");
  SBX_TRY(dir.remove(state.id));
  // Poststop hooks: failures are logged by runc, never fatal; ours too.
  if (config && !foreign)
    (void)run_hooks(config->hooks.poststop, "poststop",
                    state_json(state, ContainerStatus::kStopped));
  return {};
}

}  // namespace

Status create_container(const StateDir& dir, const CreateOptions& options) {
  SBX_TRY(dir.make(options.id));
  UndoCreate undo{dir, options.id};
  SBX_TRY(create_locked(dir, options, undo, nullptr));
  undo.armed = false;
  return {};
}

Status start_container(const StateDir& dir, const std::string& id) {
  auto lock = SBX_TRY(dir.lock(id));
  auto state = SBX_TRY(dir.read(id));
  switch (status_of(dir, state)) {
    case ContainerStatus::kRunning:
      return fail("cannot start an already running container");
    case ContainerStatus::kStopped:
      return fail("cannot start a container that has stopped");
    case ContainerStatus::kCreated:
      break;
  }
  SBX_TRY(launch::open_start_gate(dir.start_gate(id)));
  auto config = SBX_TRY(read_saved_config(dir, id));
  return run_hooks(config.hooks.poststart, "poststart",
                   state_json(state, ContainerStatus::kRunning));
}

Result<std::string> container_state(const StateDir& dir, const std::string& id) {
  auto state = SBX_TRY(dir.read(id));
  return state_json(state, status_of(dir, state));
}

Status signal_container(const StateDir& dir, const std::string& id, int signal, bool all) {
  auto state = SBX_TRY(dir.read(id));
  bool stopped = status_of(dir, state) == ContainerStatus::kStopped;
  if (stopped && all) return {};  // runc 1.1: nothing left to signal is no error with --all
  if (stopped) return fail("container not running");
  if (all) {
    auto pids = all_container_processes(state);
    if (!pids)
      return fail("kill --all: container " + id +
                  " has neither a pid namespace nor a cgroup of its own, so its processes cannot "
                  "be told apart from the host's");
    for (pid_t pid : *pids) ::kill(pid, signal);
    return {};
  }
  if (::kill(state.pid, signal) < 0) return fail_errno("kill", std::to_string(state.pid));
  return {};
}

Status delete_container(const StateDir& dir, const std::string& id, bool force) {
  auto exists = dir.read(id);
  if (!exists && exists.error().errno_value() == ENOENT) {
    // runc: a dir an interrupted create left is removed; --force succeeds.
    if (check_container_id(id)) (void)dir.remove(id);
    if (force) return {};
  }
  auto lock = SBX_TRY(dir.lock(id));
  auto state = SBX_TRY(dir.read(id));
  switch (status_of(dir, state)) {
    case ContainerStatus::kRunning:
      if (!force)
        return fail("cannot delete container " + id +
                    " that is not stopped: running (use --force to kill it first)");
      [[fallthrough]];
    case ContainerStatus::kCreated:  // never started: nothing of it is wanted
      SBX_TRY(kill_and_await(state.pid));
      break;
    case ContainerStatus::kStopped:
      break;
  }
  return remove_stopped(dir, state);
}

Result<int> run_container(const StateDir& dir, const CreateOptions& options, bool detach) {
  if (detach) {
    SBX_TRY(create_container(dir, options));
    SBX_TRY(start_container(dir, options.id));
    return 0;
  }
  SBX_TRY(dir.make(options.id));
  UndoCreate undo{dir, options.id};
  UniqueFd terminal;
  auto state = SBX_TRY(create_locked(dir, options, undo, &terminal));
  undo.armed = false;
  auto config = SBX_TRY(read_saved_config(dir, options.id));
  auto poststart = [&]() -> Status {
    return run_hooks(config.hooks.poststart, "poststart",
                     state_json(state, ContainerStatus::kRunning));
  };
  int status = SBX_TRY(launch::start_and_watch(dir.start_gate(options.id), state.pid,
                                               std::move(terminal), poststart));
  SBX_TRY(delete_container(dir, options.id, true));
  return exit_code_of(status);
}

}  // namespace sbx::oci
