// The "cgroup" object of a container's config.json: the limits a
// container was run with, so `start` applies them again.
#pragma once

#include <nlohmann/json.hpp>

#include "sandbox/cgroup/limits.hpp"

namespace sbx::containers {

nlohmann::json cgroup_request_to_json(const cgroup::CgroupRequest& request);
// Missing or unknown fields keep their defaults.
cgroup::CgroupRequest cgroup_request_from_json(const nlohmann::json& j);

}  // namespace sbx::containers
