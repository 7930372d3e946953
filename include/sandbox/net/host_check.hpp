// Can this host give a rootless container its own network (slirp4netns over
// /dev/net/tun)?
#pragma once

#include <vector>

#include "sandbox/base/host_check.hpp"

namespace sbx::net {

std::vector<HostCheck> check_networking();

}  // namespace sbx::net
