// `sandbox exec`: a new process in a running container. The parent plans
// (container state, its saved spec, the user from the container's own
// /etc/passwd, the same security plan as the container's PID 1); a short
// child sequence joins the container's namespaces (user first), forks into
// its pid namespace and execs. See exec_spawn.hpp for the protocol.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"
#include "sandbox/security/policy.hpp"

namespace sbx::launch {

// docker's `exec` flags.
struct ExecFlags {
  std::string container;               // id, unique id prefix or name
  std::vector<std::string> command;    // CMD [ARG...]
  bool interactive = false;            // -i: the command reads our stdin
  bool tty = false;                    // -t: a pty from the container's devpts
  bool detach = false;                 // -d: return once the command runs
  bool privileged = false;             // all capabilities, no seccomp (as run's)
  std::string user;                    // -u USER[:GROUP]; "" = the container's user
  std::string workdir;                 // -w; "" = the container's working directory
  std::vector<std::string> env;        // -e KEY=VALUE, or KEY taken from our environment
  std::vector<std::string> env_files;  // --env-file, before -e
};

struct ExecOptions {
  std::filesystem::path store_root;  // empty: the default store
  ExecFlags flags;
};

// How `sandbox exec` ends when sandbox itself did not fail.
struct ExecOutcome {
  int exit_code = 0;           // the command's (128+N on signal N), 0 with -d
  std::optional<Error> error;  // why the command could not run (exit 126 or 127)
};

// Runs the command in the container; an Error means sandbox failed (exit
// 125): "no such container: x", "container web is not running", a failing
// setup step. Must be called single-threaded (forks).
Result<ExecOutcome> exec_in_container(const ExecOptions& options);

// ---- planning (pure, unit-tested) ----

// What the parent read before planning.
struct ExecInputs {
  std::string passwd;                   // the container's /etc/passwd ("" when it has none)
  std::string group;                    // the container's /etc/group
  uint32_t host_uid = 0, host_gid = 0;  // for a container run with --userns=keep-id
  security::SecurityPlan security;      // the container's (or --privileged's)
};

// The finished plan the exec child carries out.
struct ExecPlan {
  ProcessPlan process;  // args, env, cwd, credentials, terminal, stdin
  // Where process.args[0] may be, in the container's $PATH order (execvp's
  // search, done in the child over paths prepared here).
  std::vector<std::string> command_paths;
  int namespaces = 0;  // CLONE_NEW* flags to join, CLONE_NEWUSER among them
  // The container's time namespace (its /proc/PID/ns/time_for_children),
  // joined after the others; -1: none. Not through the pidfd: an init that
  // has not exec'd yet (created, not started) is not in it itself.
  int time_namespace_fd = -1;
  security::SecurityPlan security;
  bool detach = false;
  // The OCI runtime's exec --detach: the engine's pipes stay the command's
  // stdio (else a detached command gets /dev/null).
  bool detach_keeps_stdio = false;
  // The container's cgroup dir: the command is placed in it before it runs.
  std::filesystem::path cgroup;
};

// The OCI runtime's exec: `plan` in the namespaces of the process `pidfd`
// names, as our child. `on_started` gets its pid and, with a terminal, the pty
// master once it runs: one it leaves there is relayed to our stdio while we
// wait (runc's exec -t without --console-socket). Waits unless plan.detach.
Result<ExecOutcome> exec_plan_in(const ExecPlan& plan, int pidfd,
                                 const std::function<Status(pid_t, UniqueFd&)>& on_started);

// The container's spec + the exec flags (with -e/--env-file already read and
// expanded into flags.env) -> ExecPlan.
Result<ExecPlan> make_exec_plan(const containers::ContainerSpec& container, const ExecFlags& flags,
                                const ExecInputs& inputs);

// execvp's candidates for `command` under the `PATH=` value of `env`.
std::vector<std::string> command_search_paths(const std::string& command,
                                              const std::vector<std::string>& env);

// 127 for a command that is not there, 126 for one that cannot be run.
int exit_code_for_exec_errno(int error_number);
// What `run` (init says it too), `run -d` and `exec` print when `command`
// could not be exec'd: `exec "cmd": executable file not found in $PATH`.
Error command_exec_error(const std::string& command, int error_number);

}  // namespace sbx::launch
