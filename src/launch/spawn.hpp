// Starts a container's first process from a LaunchPlan: join the namespaces
// made ahead, clone() into the others, then drive the child through the sync
// protocol (sandbox/base/sync_message.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {

// Namespaces made ahead of the container's first process, which joins them
// (userns::NamespaceHolder): a pidfd of their holder and the CLONE_NEW* flags.
struct NamespacesToJoin {
  int pidfd = -1;      // -1: none made ahead (an OCI config without a user namespace)
  int namespaces = 0;  // CLONE_NEWUSER at least
};

// What the OCI runtime mode asks of a spawn beyond a plan.
struct SpawnOptions {
  // Namespaces joined by path, open, with their CLONE_NEW* types; the user
  // namespace first. Joined before `ahead`.
  std::vector<std::pair<int, int>> join_fds;  // {fd, type}
  unsigned preserve_fds = 0;                  // fds 3 .. 3+N-1 stay open into the container
  // A FIFO opened read-write: the child waits on it after its setup (see
  // child/child.hpp); the container then outlives its parent.
  int start_gate_fd = -1;
  // The container's stdout and stderr when not the caller's (without -t):
  // pipes a foreground run copies to ctr.log (supervise.hpp, OutputCopy).
  int stdout_fd = -1, stderr_fd = -1;
};

// A cloned child that runs the plan. Killed and reaped on destruction unless
// waited for.
class ContainerProcess {
 public:
  // Joins `ahead` (the user namespace and what else was made ahead, mapped)
  // and clones the child into the plan's other namespaces; it mounts and
  // pivots at once. `init` is the init binary's bytes (embedded_init()), run
  // from a sealed memfd so the container can never reach or write a host
  // binary. The caller must be single-threaded.
  static Result<ContainerProcess> spawn(const LaunchPlan& plan, std::span<const char> init,
                                        NamespacesToJoin ahead, const SpawnOptions& options = {});

  pid_t pid() const { return child_.pid(); }

  // Waits until the child has mounted and pivoted and waits for the host
  // side (collects the pty master on the way).
  Status await_host_wait();
  // After network/cgroup setup: the child finishes and execs init, which
  // execs the command. nullopt once the command runs; an Error inside when
  // init could not exec it (its errno: 127 or 126), the container then exits.
  Result<std::optional<Error>> release_and_await_exec();
  // With a start gate: after the host side, the child finishes its setup and
  // waits at the gate; returns once it does.
  Status release_and_await_created();

  // The pty master (with -t), once await_host_wait returned.
  UniqueFd take_pty_master() { return std::move(pty_master_); }
  // Blocks for the exit; returns the raw wait status.
  Result<int> wait() { return child_.wait(); }
  ChildProcess& child() { return child_; }

 private:
  ChildProcess child_;
  UniqueFd sync_;
  UniqueFd pty_master_;
};

// The static init binary built from helpers/init, linked into sandbox.
std::span<const char> embedded_init();

}  // namespace sbx::launch
