// The child's part of the cgroup work: a cgroup namespace made after the host
// side has placed it (one made at clone would be rooted at the launcher's
// cgroup), so the container sees its own cgroup as "/", and that cgroup
// mounted read-only at /sys/fs/cgroup.
#include <sched.h>
#include <sys/mount.h>

#include <cerrno>

#include "child/child.hpp"

namespace sbx::launch::detail {

bool enter_cgroup_namespace(ChildContext& ctx) noexcept {
  if (!(ctx.plan->namespaces & CLONE_NEWCGROUP)) return true;
  if (ctx.join_fd_namespaces & CLONE_NEWCGROUP) return true;  // joined by path
  if (ctx.kernel->unshare(CLONE_NEWCGROUP) < 0)
    return child_fail(ctx, "unshare", "CLONE_NEWCGROUP", errno);
  // A view, not a requirement: a kernel or /sys layout that refuses the
  // mount (no cgroup2, /sys without fs/cgroup) leaves /sys/fs/cgroup as it is.
  ctx.kernel->mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  return true;
}

}  // namespace sbx::launch::detail
