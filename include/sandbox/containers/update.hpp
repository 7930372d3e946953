// `sandbox update` on a container of the store (issue 6): the new limits go
// into its cgroup while it runs and into its config.json, so `start` and
// `restart` apply them again (docker's update does both).
#pragma once

#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

// Running: applied live first (a running container without a cgroup of its
// own cannot take limits: an error), then recorded. Stopped: recorded only.
Status update_container_limits(const Containers& containers, const std::string& id,
                               const cgroup::Limits& limits);

}  // namespace sbx::containers
