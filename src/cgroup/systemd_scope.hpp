// The user's systemd manager over sd-bus (private header: sd_bus stays here).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::cgroup::detail {

// $XDG_RUNTIME_DIR/systemd/private (the manager's own socket), else the user
// bus; "" when neither exists.
std::string user_manager_address();

// StartTransientUnit(`unit`, "fail") with Delegate=yes and `pids`, then waits
// for the job's JobRemoved signal; an error unless the job's result is "done".
Status start_transient_scope(const std::string& unit, const std::vector<pid_t>& pids);

}  // namespace sbx::cgroup::detail
