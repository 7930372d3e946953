// The child's side of spawn: runs the step table between clone() and execve().
// Private to the runtime. Nothing here allocates or throws; a failing step
// reports {errno, "step: syscall(path)"} to the parent and the child _exits.
#pragma once

#include <sys/types.h>

#include "sandbox/launch/plan.hpp"

namespace sbx::launch::detail {

// Everything the child needs, prepared by the parent before clone().
struct ChildContext {
  const LaunchPlan* plan = nullptr;
  int join_pidfd = -1;          // holder of the namespaces made ahead (CLOEXEC)
  int join_namespaces = 0;      // which of them to join (CLONE_NEWUSER at least)
  int parent_sync_fd = -1;      // the parent's end, closed in the child
  int sync_fd = -1;             // the child's end of the sync socketpair (CLOEXEC)
  int init_fd = -1;             // sealed memfd holding the init binary (CLOEXEC)
  int null_fd = -1;             // /dev/null, stdin without -i
  char* const* argv = nullptr;  // init's argv, null-terminated
  char* const* envp = nullptr;  // the process env, null-terminated

  // Filled by the joiner: the child's pid, or the failure below.
  pid_t joined_pid = -1;
  // Filled while the steps run.
  int root_fd = -1;    // O_PATH fd of the mounted rootfs (before pivot_root)
  int pty_slave = -1;  // with -t
  const char* failed_syscall = nullptr;
  const char* failed_path = nullptr;
  int failed_errno = 0;
};

// The joiner, clone()d with CLONE_VM | CLONE_VFORK on its own stack: joins
// the namespaces made ahead and clones the child into the plan's others as
// its parent's child (CLONE_PARENT). Sets ctx.joined_pid, or ctx.failed_*.
// The child inherits the joiner's stack as its own (it is forked there).
int join_and_clone(void* ctx) noexcept;

// Never returns: execve()s the init or _exit(125)s after reporting why.
[[noreturn]] void run_child(ChildContext& ctx) noexcept;

// Mount helpers used by the steps (child_mounts.cpp). Each returns false with
// ctx.failed_* set.
bool mount_rootfs(ChildContext& ctx) noexcept;
bool mount_plan_mounts(ChildContext& ctx) noexcept;
bool make_dev_symlinks(ChildContext& ctx) noexcept;
bool make_workdir(ChildContext& ctx) noexcept;
bool pivot_into_rootfs(ChildContext& ctx) noexcept;
bool mask_paths(ChildContext& ctx) noexcept;
bool make_paths_read_only(ChildContext& ctx) noexcept;
bool make_rootfs_read_only(ChildContext& ctx) noexcept;

// child_network.cpp: lo up in a new net namespace.
bool bring_up_loopback(ChildContext& ctx) noexcept;

// child_cgroup.cpp: a cgroup namespace rooted at the placed cgroup.
bool enter_cgroup_namespace(ChildContext& ctx) noexcept;

// openat2(RESOLVE_IN_ROOT): `path` resolves as if root_fd were "/".
int open_in_root(int root_fd, const char* path, int flags) noexcept;

// Records a failure; always returns false.
bool child_fail(ChildContext& ctx, const char* syscall, const char* path,
                int error_number) noexcept;

}  // namespace sbx::launch::detail
