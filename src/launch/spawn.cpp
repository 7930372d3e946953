// The parent's side of spawn: prepare every buffer, clone(), then drive the
// child through the sync protocol (sandbox/base/sync_message.hpp) and turn its
// report into an Error.
#include "spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "child/child.hpp"
#include "join_netns.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sealed_memfd.hpp"
#include "share_namespaces.hpp"

extern "C" const char sbx_init_start[];
extern "C" const char sbx_init_end[];

namespace sbx::launch {
namespace {

Status child_gone(ChildProcess& child, std::string_view when) {
  auto status = child.wait();
  std::string how = status ? describe_wait_status(*status) : status.error().message();
  return fail("the container process " + how + " " + std::string(when));
}

}  // namespace

std::span<const char> embedded_init() {
  return {sbx_init_start, static_cast<size_t>(sbx_init_end - sbx_init_start)};
}

namespace {

// init's argv: `--report FD -- ARGS` to run and supervise the command (and
// tell us on FD whether it was exec'd), or (init = false)
// `--exec FD -- PATHS -- ARGS` to become it.
std::vector<std::string> init_arguments(const LaunchPlan& plan, int sync_fd) {
  std::vector<std::string> args = {"sandbox-init"};
  if (plan.init) {
    if (plan.process.terminal) args.push_back("-t");
    args.insert(args.end(), {"--report", std::to_string(sync_fd)});
  } else {
    args.insert(args.end(), {"--exec", std::to_string(sync_fd), "--"});
    args.insert(args.end(), plan.command_paths.begin(), plan.command_paths.end());
  }
  args.push_back("--");
  args.insert(args.end(), plan.process.args.begin(), plan.process.args.end());
  return args;
}

// The hooks' argv and env as the child needs them: null-terminated arrays
// that point into the plan, kept alive here until the clone.
struct HookCalls {
  std::vector<std::vector<char*>> arrays;
  std::vector<detail::HookCall> create_container, start_container;

  explicit HookCalls(const ContainerHooks& hooks) {
    arrays.reserve(2 * (hooks.create_container.size() + hooks.start_container.size()));
    for (const ContainerHook& hook : hooks.create_container) create_container.push_back(call(hook));
    for (const ContainerHook& hook : hooks.start_container) start_container.push_back(call(hook));
  }

  detail::HookCall call(const ContainerHook& hook) {
    auto& argv = arrays.emplace_back(c_string_array(hook.argv));
    auto& envp = arrays.emplace_back(c_string_array(hook.env));
    return {hook.path.c_str(), argv.data(), envp.data(), hook.timeout_seconds};
  }
};

}  // namespace

Result<ContainerProcess> ContainerProcess::spawn(const LaunchPlan& plan, std::span<const char> init,
                                                 NamespacesToJoin ahead,
                                                 const SpawnOptions& options) {
  // Named "init": ps inside shows PID 1 as memfd:init; sealed, so nothing in
  // the container can rewrite it.
  UniqueFd init_fd = SBX_TRY(detail::make_sealed_memfd("init", "init", init));
  UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd) return fail_errno("open", "/dev/null");
  auto [parent_end, child_end] = SBX_TRY(make_sync_pair());

  std::vector<std::string> init_args = init_arguments(plan, child_end.get());
  std::vector<char*> argv = c_string_array(init_args);  // points into init_args
  std::vector<char*> envp = c_string_array(plan.process.env);
  std::vector<char*> command_paths = c_string_array(plan.command_paths);
  HookCalls hooks(plan.hooks);
  std::vector<int> join_fds;
  int join_fd_namespaces = 0;
  for (auto [fd, type] : options.join_fds) {
    join_fds.push_back(fd);
    join_fd_namespaces |= type;
  }
  // --network container:NAME or ns:PATH (join_netns.hpp): the pause user
  // namespace, then the network namespace, before the container's own.
  NetnsJoin netns_join;
  if (!plan.join_netns.empty()) {
    netns_join = SBX_TRY_CTX(open_netns_to_join(plan.join_netns, ahead.pidfd),
                             "join network namespace " + plan.join_netns);
    join_fds.push_back(netns_join.parent_userns.get());
    join_fds.push_back(netns_join.netns.get());
    join_fd_namespaces |= CLONE_NEWNET;
  }
  // --pid or --ipc container:NAME (share_namespaces.hpp): that container's
  // user namespace, then its pid and IPC namespaces; the namespaces made
  // ahead (in a user namespace of their own) are left unused.
  SharedNamespaceFds shared;
  if (!plan.shared.empty()) {
    shared = SBX_TRY_CTX(open_shared_namespaces(plan.shared), "join the shared namespaces");
    for (const UniqueFd& fd : shared.fds) join_fds.push_back(fd.get());
    join_fd_namespaces |= shared.types;
  }

  detail::ChildContext ctx;
  ctx.plan = &plan;
  ctx.process = &plan.process;
  ctx.security = &plan.security;
  ctx.join_pidfd = plan.shared.empty() ? ahead.pidfd : -1;
  ctx.join_namespaces =
      plan.shared.empty() ? ahead.namespaces & (plan.namespaces | CLONE_NEWUSER) : 0;
  ctx.shm_mntns_fd = shared.shm_mntns ? shared.shm_mntns.get() : -1;
  ctx.parent_sync_fd = parent_end.get();
  ctx.sync_fd = child_end.get();
  ctx.init_fd = init_fd.get();
  ctx.null_fd = null_fd.get();
  ctx.init_argv = argv.data();
  ctx.envp = envp.data();
  ctx.create_container_hooks = hooks.create_container;
  ctx.start_container_hooks = hooks.start_container;
  ctx.hook_state_prefix = plan.hooks.state_prefix.c_str();
  ctx.join_fds = join_fds.data();
  ctx.join_fd_count = join_fds.size();
  ctx.join_fd_namespaces = join_fd_namespaces;
  ctx.make_joined_sysfs = !plan.join_netns.empty();
  ctx.first_closed_fd = 3 + options.preserve_fds;
  ctx.start_gate_fd = options.start_gate_fd;
  ctx.stdout_fd = options.stdout_fd;
  ctx.stderr_fd = options.stderr_fd;
  ctx.outlive_parent = options.start_gate_fd >= 0;
  ctx.init_reports_exec = true;  // both modes: see init_arguments
  if (!plan.init) ctx.command_paths = command_paths.data();

  // The joiner shares our memory and we sleep until it exits: it enters the
  // namespaces made ahead and clones the container's first process as our
  // child (CLONE_PARENT), which runs the whole child sequence on a copy of the
  // joiner's stack (so it is as large as a main thread's), and reports its pid
  // through `ctx`.
  SBX_TRY_CTX(run_vfork_child(detail::join_and_clone, &ctx, 8 << 20),
              "join the container's namespaces");
  if (ctx.joined_pid <= 0)
    return fail(Error::from_errno(ctx.failed_syscall, ctx.failed_path, ctx.failed_errno));
  ContainerProcess process;
  process.child_ = ChildProcess(ctx.joined_pid);
  process.sync_ = std::move(parent_end);
  return process;
}

Status ContainerProcess::await_host_wait() {
  for (;;) {
    auto received = SBX_TRY(receive_sync(sync_.get()));
    if (!received) return child_gone(child_, "while setting up the container");
    switch (received->message.type) {
      case SyncType::kPtyMaster:
        pty_master_ = std::move(received->fd);
        break;
      case SyncType::kWaitingForHost:
        return {};
      case SyncType::kError:
        return fail(sync_error_to_error(received->message));
      default:
        return fail("sync socket: unexpected message from the container process");
    }
  }
}

Result<std::optional<Error>> ContainerProcess::release_and_await_exec() {
  if (int rc = send_sync(sync_.get(), make_sync_message(SyncType::kHostReady)); rc < 0)
    return std::unexpected(child_gone(child_, "before the host side was ready").error());
  auto received = SBX_TRY(receive_sync(sync_.get()));
  sync_.reset();
  if (!received) return std::nullopt;  // EOF: the command was exec'd
  const SyncMessage& m = received->message;
  if (m.type != SyncType::kError)
    return fail("sync socket: unexpected message from the container process");
  Error error = sync_error_to_error(m);
  // init's report: the container runs, but its command could not be exec'd.
  if (is_command_exec_failure(m)) return std::optional<Error>(std::move(error));
  return fail(std::move(error));
}

Status ContainerProcess::release_and_await_created() {
  if (int rc = send_sync(sync_.get(), make_sync_message(SyncType::kHostReady)); rc < 0)
    return child_gone(child_, "before the host side was ready");
  auto received = SBX_TRY(receive_sync(sync_.get()));
  if (!received) return child_gone(child_, "while setting up the container");
  if (received->message.type == SyncType::kCreated) return {};
  if (received->message.type == SyncType::kError)
    return fail(sync_error_to_error(received->message));
  return fail("sync socket: unexpected message from the container process");
}

}  // namespace sbx::launch
