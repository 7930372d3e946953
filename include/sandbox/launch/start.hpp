// `start` (and `restart`): a stopped container runs again.
#pragma once

#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::launch {

// Re-planned from config.json, same upper layer, under a new monitor. An
// error when it runs.
Status start_container(const containers::Containers& containers, const std::string& id);

}  // namespace sbx::launch
