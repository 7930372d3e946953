// `sandbox update`: the new limits of a container of the store go into its
// cgroup while it runs and into its config.json, so `start` and `restart`
// apply them again (docker's update does both).
#pragma once

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

// Running: applied live first (a running container without a cgroup of its
// own cannot take limits: an error), then recorded. Stopped: recorded only.
Status update_container_limits(const Containers& containers, const std::string& id,
                               const cgroup::Limits& limits);

// The limits of `sandbox update`'s flags; "nothing to update" when none is given.
Result<cgroup::Limits> limits_to_update(const cgroup::LimitFlags& flags);

// `sandbox update NAME`: a container of the store at `store_root` as
// update_container_limits does, else a running container in one of this
// user's sandbox scopes (any store) whose id starts with `name`, live only.
Status update_limits_of(const std::filesystem::path& store_root, const std::string& name,
                        const cgroup::Limits& limits);

}  // namespace sbx::containers
