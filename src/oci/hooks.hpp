// OCI hooks: each runs on the host with the container's state JSON on stdin;
// a failing one (non-zero exit) is an error naming it.
#pragma once

#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {

Status run_hooks(const std::vector<Hook>& hooks, const std::string& kind,
                 const std::string& state_json);

}  // namespace sbx::oci
