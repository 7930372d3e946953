// The OCI runtime's `create`: a container process set up from a plan and
// paused at its start gate, a FIFO that `start` writes to. The process is the
// caller's child and outlives it (engines adopt it as a subreaper); nothing
// else of ours stays running.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {

struct CreateRequest {
  // Namespaces joined by path ({path, CLONE_NEW*}), in the order given; a
  // user namespace goes first. The plan's other namespaces are made.
  std::vector<std::pair<std::string, int>> join_paths;
  unsigned preserve_fds = 0;         // fds 3 .. 3+N-1 pass into the container
  std::filesystem::path start_gate;  // made here (a FIFO); must not exist
  // Runs while the child waits after pivot_root, before its credentials and
  // security: the engine's hooks, oom_score_adj, the cgroup. Gets the pid.
  std::function<Status(pid_t)> host_side;
};

struct CreatedContainer {
  pid_t pid = -1;
  UniqueFd pty_master;  // with process.terminal
};

// Must be called single-threaded (forks).
Result<CreatedContainer> create_container(const LaunchPlan& plan, const CreateRequest& request);

// `start`: lets the process waiting at `gate` go on to exec, and removes the
// gate. An error when nothing waits there (the process is gone).
Status open_start_gate(const std::filesystem::path& gate);

// `run` in the foreground: with our signals blocked (so its exit is never
// missed) opens the gate of `pid` (our child), runs `after_start`, then waits
// for it, forwarding signals and, with a pty master, relaying our stdio to
// its terminal. Returns the wait status.
Result<int> start_and_watch(const std::filesystem::path& gate, pid_t pid, UniqueFd pty_master,
                            const std::function<Status()>& after_start);

}  // namespace sbx::launch
