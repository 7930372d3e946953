// `start` (and `restart`): a stopped container runs again.
#pragma once

#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::launch {

// Re-planned from config.json, same upper layer, under a new monitor. An
// error when it runs. `wait_for_attach` (start -a): the monitor holds the
// output until the first attach client connects (up to 10 s).
// A user's start: the restart policy counts from 0 again and fires again.
Status start_container(const containers::Containers& containers, const std::string& id,
                       bool wait_for_attach = false);

// ---- restart policies (restart.cpp, docs/lifecycle.md)

// The policy's start: as start_container, but nothing after a user's stop
// or removal (checked under the lock), and RestartCount goes up.
Status restart_by_policy(const containers::Containers& containers, const std::string& id);
// After the container's end was recorded (its exit code `exit_code`): when
// its policy says so, waits out docker's back-off and starts it again, under
// a new monitor. Returns at once for a container without a policy. Blocks
// for the back-off (up to a minute); ended early by stop/kill/rm (SIGTERM).
Status apply_restart_policy(const containers::Containers& containers, const std::string& id,
                            int exit_code);
// The same for a foreground run: in a child of its own session, so the
// caller returns the exit code at once. The caller must be single-threaded.
void restart_in_background(const containers::Containers& containers, const std::string& id,
                           int exit_code);
// A user's start: count and "stopped by the user" start over.
Status reset_restart_policy(const containers::Containers& containers, const std::string& id,
                            const containers::ContainerInfo& info);

}  // namespace sbx::launch
