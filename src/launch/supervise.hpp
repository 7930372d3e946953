// The parent's side while the container runs: forward signals to its PID 1,
// relay a pty (raw mode on our terminal, window size), reap.
#pragma once

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/containers/log_writer.hpp"
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

// Our terminal in raw mode while a pty is relayed (Ctrl-C becomes a byte the
// container's terminal turns into SIGINT); restored on destruction.
class RawTerminal {
 public:
  explicit RawTerminal(bool enable) {
    if (!enable || ::tcgetattr(STDIN_FILENO, &saved_) < 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// A foreground run's output, copied to ctr.log on its way to our stdout and
// stderr (podman's k8s-file): the container writes into pipes (no -t) or
// its pty, and `log` gets what we relay.
struct OutputCopy {
  UniqueFd out, err;  // read ends of the container's stdout and stderr pipes, or none
  containers::LogWriter* log = nullptr;
};

// Until the container's PID 1 exits: SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/2
// are sent on to it; with a pty master, stdin/stdout are relayed (stdin only
// when `interactive`) and SIGWINCH resizes it; `output`'s pipes are copied to
// our stdout and stderr, and everything to its log. Then drains the output.
// Returns the wait status.
Result<int> supervise(ContainerProcess& process, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive, OutputCopy output = {});
// The same for any child of ours (an exec'd process).
Result<int> supervise(ChildProcess& child, const BlockedSignals& signals, UniqueFd pty_master,
                      bool interactive, OutputCopy output = {});

}  // namespace sbx::launch::detail
