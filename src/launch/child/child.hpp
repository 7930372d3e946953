// What runs between clone() and execve(), for run and exec alike: a context
// prepared by the parent, named steps that each do one thing, and one runner.
// Nothing here allocates or throws; a failing step reports
// {errno, "step: syscall(path)"} to the parent (sandbox/base/sync_message.hpp) and the process
// _exits with 125. Every kernel call goes through ctx.kernel (kernel.hpp).
//
// run (run_steps.cpp): the parent clones a joiner on its own stack, which
// enters the user namespace made ahead by the namespace holder inside the
// per-user pause process (so its maps are written before the child exists),
// then clones the child into the plan's other namespaces. The child's steps
// build the container's root and end in the init's execveat.
// exec (exec_steps.cpp): a fork of the parent joins every namespace of the
// container's PID 1, then forks the command into its pid namespace; the
// command's steps are run's last ones.
// "apply security" is security::apply_security_plan: rlimits, capabilities,
// no_new_privs and the seccomp filter, in the order policy.hpp gives.
#pragma once

#include <sys/types.h>

#include <span>

#include "child/kernel.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch::detail {

// Everything the steps need, prepared by the parent before clone() or fork().
// A hook as the child runs it (ContainerHook, made ready by the parent).
struct HookCall {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int timeout_seconds = 0;
};

struct ChildContext {
  Kernel* kernel = &linux_kernel();
  const LaunchPlan* plan = nullptr;  // run: rootfs, mounts, hostname; exec: none
  const ProcessPlan* process = nullptr;
  const security::SecurityPlan* security = nullptr;
  bool detach = false;      // exec -d: stdio is /dev/null, the command outlives exec
  int join_pidfd = -1;      // whose namespaces to join (CLOEXEC); -1: none
  int join_namespaces = 0;  // which of them (CLONE_NEWUSER at least)
  // Namespaces joined by path (the OCI runtime mode: a netns from podman or
  // CNI), before join_pidfd: open fds, the user namespace first.
  const int* join_fds = nullptr;
  size_t join_fd_count = 0;
  int join_fd_namespaces = 0;  // their CLONE_NEW* types together
  // --network container:NAME / ns:PATH: after joining the pause user namespace
  // and the network namespace (join_fds), the joiner makes that namespace's
  // sysfs in a mount namespace of its own (sysfs_fd, CLOEXEC); the child
  // moves it to the plan's "sysfs-joined" mount.
  bool make_joined_sysfs = false;
  int sysfs_fd = -1;
  // --ipc container:NAME: its mount namespace, whose /dev/shm the container
  // gets (kSharedShmMount); -1: none.
  int shm_mntns_fd = -1;
  int join_time_fd = -1;  // a time namespace joined last (ExecPlan::time_namespace_fd)
  unsigned first_closed_fd = 3;  // fds below stay open into the container (--preserve-fds)
  bool outlive_parent = false;   // no PDEATHSIG: `sandbox-runtime create` returns first
  // The OCI runtime's start gate: after the whole setup the child reports
  // kCreated and blocks reading it until `sandbox-runtime start` writes.
  int start_gate_fd = -1;
  char* const* command_paths = nullptr;  // plan.init == false: checked before the gate
  // init inherits the sync socket to report whether the command was exec'd
  // (--exec mode: exec, and run with plan.init == false; --report: run's
  // supervising init).
  bool init_reports_exec = false;
  int parent_sync_fd = -1;             // the parent's end, closed in the child
  int sync_fd = -1;                    // the child's end of the sync socketpair (CLOEXEC)
  int init_fd = -1;                    // sealed memfd holding the init binary (CLOEXEC)
  int null_fd = -1;                    // /dev/null
  int stdout_fd = -1, stderr_fd = -1;  // without -t: made stdout and stderr when >= 0 (CLOEXEC)
  char* const* init_argv = nullptr;    // init's argv, null-terminated
  char* const* envp = nullptr;         // the process env, null-terminated
  // OCI createContainer and startContainer hooks, and the state JSON up to
  // the status value (ContainerHooks::state_prefix).
  std::span<const HookCall> create_container_hooks;
  std::span<const HookCall> start_container_hooks;
  const char* hook_state_prefix = "";

  // Filled by run's joiner: the child's pid, or the failure below.
  pid_t joined_pid = -1;
  // Filled while the steps run.
  int root_fd = -1;          // O_PATH fd of the mounted rootfs (before pivot_root)
  int shared_shm_tree = -1;  // the cloned /dev/shm of shm_mntns_fd (open_shared_shm)
  int pty_slave = -1;        // with -t
  const char* failed_syscall = nullptr;
  const char* failed_path = nullptr;
  int failed_errno = 0;
};

struct Step {
  const char* name;
  bool (*run)(ChildContext&) noexcept;
};

// Runs `steps` in order; the first that fails is returned (ctx.failed_* say
// why), nullptr when all succeeded.
const Step* run_steps(ChildContext& ctx, std::span<const Step> steps) noexcept;
// Runs `steps`; a failure is sent to the parent and the process _exits(125).
void run_steps_or_exit(ChildContext& ctx, std::span<const Step> steps) noexcept;

// The tables, top to bottom as the kernel sees them.
std::span<const Step> run_child_steps() noexcept;     // run's container child
std::span<const Step> exec_joiner_steps() noexcept;   // exec's fork, still outside
std::span<const Step> exec_command_steps() noexcept;  // exec's command, inside

// run's joiner, clone()d with CLONE_VM | CLONE_VFORK on its own stack: joins
// the namespaces made ahead and clones the child into the plan's others as
// its parent's child (CLONE_PARENT). Sets ctx.joined_pid, or ctx.failed_*.
// The child inherits the joiner's stack as its own (it is forked there).
int join_and_clone(void* ctx) noexcept;

// exec's joiner after fork: its steps, then the command forked into the
// container's pid namespace, its pid sent to the parent. Never returns.
[[noreturn]] void run_exec_joiner(ChildContext& ctx) noexcept;

// Records a failure; always returns false.
bool child_fail(ChildContext& ctx, const char* syscall, const char* path,
                int error_number) noexcept;

// Steps shared by run and exec (process_steps.cpp).
bool close_host_fds(ChildContext& ctx) noexcept;
bool reset_signals(ChildContext& ctx) noexcept;
bool join_namespaces(ChildContext& ctx) noexcept;
bool join_session_keyring(ChildContext& ctx) noexcept;
bool wait_for_host(ChildContext& ctx) noexcept;
bool find_command(ChildContext& ctx) noexcept;
bool wait_for_start(ChildContext& ctx) noexcept;
bool hand_sync_socket_to_init(ChildContext& ctx) noexcept;
bool open_pty(ChildContext& ctx) noexcept;
bool new_session(ChildContext& ctx) noexcept;
bool set_stdio(ChildContext& ctx) noexcept;
bool set_umask(ChildContext& ctx) noexcept;
bool enter_workdir(ChildContext& ctx) noexcept;
bool switch_user(ChildContext& ctx) noexcept;
bool apply_security(ChildContext& ctx) noexcept;
bool exec_init(ChildContext& ctx) noexcept;

// run's mount steps (mounts.cpp).
bool mount_rootfs(ChildContext& ctx) noexcept;
bool open_shared_shm(ChildContext& ctx) noexcept;
bool mount_plan_mounts(ChildContext& ctx) noexcept;
bool make_dev_symlinks(ChildContext& ctx) noexcept;
bool make_workdir(ChildContext& ctx) noexcept;
bool pivot_into_rootfs(ChildContext& ctx) noexcept;
bool mask_paths(ChildContext& ctx) noexcept;
bool make_paths_read_only(ChildContext& ctx) noexcept;
bool make_rootfs_read_only(ChildContext& ctx) noexcept;
bool write_sysctls(ChildContext& ctx) noexcept;
bool make_mounts_read_only_late(ChildContext& ctx) noexcept;

// network.cpp: lo up in a new net namespace.
bool bring_up_loopback(ChildContext& ctx) noexcept;

// hook_steps.cpp: the OCI hooks that run inside the container.
bool run_create_container_hooks(ChildContext& ctx) noexcept;
bool run_start_container_hooks(ChildContext& ctx) noexcept;

// cgroup.cpp: a cgroup namespace rooted at the placed cgroup.
bool enter_cgroup_namespace(ChildContext& ctx) noexcept;

}  // namespace sbx::launch::detail
