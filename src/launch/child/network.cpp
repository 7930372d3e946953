// The child's part of the network: a new net namespace starts with lo down.
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "child/child.hpp"

namespace sbx::launch::detail {

// Runs as root of the user namespace that owns the net namespace (CAP_NET_ADMIN).
// slirp4netns configures tap0 later, from the host side.
bool bring_up_loopback(ChildContext& ctx) noexcept {
  if (!(ctx.plan->namespaces & CLONE_NEWNET)) return true;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return child_fail(ctx, "socket", "AF_INET", errno);
  ifreq ifr{};
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  }
  int err = errno;
  ::close(fd);
  return ok || child_fail(ctx, "ioctl", "lo (SIOCSIFFLAGS)", err);
}

}  // namespace sbx::launch::detail
