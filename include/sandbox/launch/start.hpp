// `start` (and `restart`): a stopped container runs again.
#pragma once

#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::launch {

// Re-planned from config.json, same upper layer, under a new monitor. An
// error when it runs. `wait_for_attach` (start -a): the monitor holds the
// output until the first attach client connects (up to 10 s).
Status start_container(const containers::Containers& containers, const std::string& id,
                       bool wait_for_attach = false);

}  // namespace sbx::launch
