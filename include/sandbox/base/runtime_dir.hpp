// The invoking user's private directory for runtime state (pids, sockets).
#pragma once

#include <filesystem>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx {

// $XDG_RUNTIME_DIR when it is a directory of ours; else /run/user/<uid> when
// it is (only root can make those); else a 0700 directory in /tmp whose name
// other users cannot predict: /tmp/sandbox-run-<uid>-<h>, h a hash of a
// secret key in the user's home (from passwd, so it is one per user whatever
// HOME says), this boot's id and a counter. So no one can squat it before us,
// not even after a reboot, and every call of the same user on this machine
// and boot finds the same one without a lock. A name someone else holds is
// skipped for the next counter.
Result<std::filesystem::path> private_runtime_dir();

// The /tmp name for `key`, `boot_id` and `attempt` (exposed for unit tests).
std::string tmp_runtime_dir_name(unsigned uid, std::string_view key, std::string_view boot_id,
                                 unsigned attempt);

}  // namespace sbx
