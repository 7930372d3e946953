// Child processes: an RAII owner that kills and reaps unless released, and a
// runner for helper programs whose exit status is always checked.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx {

// Owns a child pid: the destructor sends SIGKILL and reaps it unless the
// child was waited for or released.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { kill_and_reap(); }

  pid_t pid() const { return pid_; }
  explicit operator bool() const { return pid_ > 0; }
  // Blocks until the child exits; returns the raw wait status.
  Result<int> wait();
  // Reaps the child if it has exited (no zombie left behind); never blocks.
  void reap_if_exited();
  pid_t release() { return std::exchange(pid_, -1); }
  // Sends `sig` and keeps owning the child (it is still reaped later).
  void signal(int sig) const;
  void kill_and_reap();

 private:
  pid_t pid_ = -1;
};

// Runs `fn(arg)` in a child that shares our memory while we sleep
// (clone(CLONE_VM | CLONE_VFORK)), on a stack of its own of `stack_size`
// bytes: reserved, not committed, with a guard page below. A process the
// child forks keeps a copy of that stack as its own, so size it for that
// process. Returns the child's raw wait status once it has exited.
Result<int> run_vfork_child(int (*fn)(void*), void* arg, size_t stack_size);

// What sandbox reads of /proc/<pid>/stat: the state letter (R, S, Z, ...)
// and the start time (field 22, clock ticks since boot: pid reuse safe).
struct ProcStat {
  char state = 0;
  uint64_t start_time = 0;
};
std::optional<ProcStat> read_proc_stat(pid_t pid);

// The user namespace `pid`'s own was made in (NS_GET_PARENT of /proc/<pid>/ns/user).
Result<UniqueFd> user_namespace_parent(pid_t pid);

// "exited with status 3", "killed by signal 9 (Killed)".
std::string describe_wait_status(int status);
// Shell-style exit code: status, or 128+signal.
int exit_code_of(int wait_status);

struct CommandOptions {
  std::optional<std::string> stdin_data;  // nothing: /dev/null
  bool capture_stdout = true;
  bool capture_stderr = true;
  std::optional<std::vector<std::string>> env;  // nothing: inherit
};

struct CommandResult {
  int wait_status = 0;
  std::string out;
  std::string err;
  bool succeeded() const;
};

// A command started by start_command, not yet waited for: it runs while the
// caller does other work. Its output waits in pipes (64 KiB each) until
// finish(). Killed and reaped on destruction unless finished.
class RunningCommand {
 public:
  // Feeds stdin_data, reads stdout and stderr to their end, waits.
  Result<CommandResult> finish();
  // As finish(), but a non-zero exit is an error naming the helper, its
  // status and the last line it printed on stderr.
  Result<CommandResult> finish_checked();

 private:
  friend Result<RunningCommand> start_command(const std::vector<std::string>&,
                                              const CommandOptions&);
  std::string name_;
  std::optional<std::string> stdin_data_;
  ChildProcess child_;
  UniqueFd in_, out_, err_;
};

// Starts argv[0] (searched in PATH). Fails only when it cannot be started.
Result<RunningCommand> start_command(const std::vector<std::string>& argv,
                                     const CommandOptions& options = {});
// start_command + finish: the caller checks the status (or uses run_checked).
Result<CommandResult> run_command(const std::vector<std::string>& argv,
                                  const CommandOptions& options = {});
// start_command + finish_checked.
Result<CommandResult> run_checked(const std::vector<std::string>& argv,
                                  const CommandOptions& options = {});

// Where `name` is found in PATH (or the path itself if it has a slash).
std::optional<std::string> find_program(const std::string& name);

}  // namespace sbx
