// The child's part of the network: a new net namespace starts with lo down.
#include <sched.h>

#include <cerrno>

#include "child/child.hpp"

namespace sbx::launch::detail {

// Runs as root of the user namespace that owns the net namespace (CAP_NET_ADMIN).
// slirp4netns configures tap0 later, from the host side.
bool bring_up_loopback(ChildContext& ctx) noexcept {
  if (!(ctx.plan->namespaces & CLONE_NEWNET)) return true;
  if (ctx.join_fd_namespaces & CLONE_NEWNET) return true;  // its owner set it up
  if (ctx.kernel->bring_up_loopback() < 0)
    return child_fail(ctx, "ioctl", "lo (SIOCSIFFLAGS)", errno);
  return true;
}

}  // namespace sbx::launch::detail
