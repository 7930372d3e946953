// The parent's side while the container runs: forward signals to its PID 1,
// relay a pty (raw mode on our terminal, window size), reap.
#pragma once

#include <signal.h>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "spawn.hpp"

namespace sbx::launch::detail {

// Blocks the signals supervise() handles until destruction (so none is lost
// between spawn and supervise); the child unblocks them before execve.
class BlockedSignals {
 public:
  BlockedSignals();
  ~BlockedSignals();
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_;
  sigset_t old_;
};

// Until the container's PID 1 exits: SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/2
// are sent on to it; with a pty master, stdin/stdout are relayed (stdin only
// when `interactive`) and SIGWINCH resizes it. Returns the wait status.
Result<int> supervise(ContainerProcess& process, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive);
// The same for any child of ours (an exec'd process).
Result<int> supervise(ChildProcess& child, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive);

}  // namespace sbx::launch::detail
