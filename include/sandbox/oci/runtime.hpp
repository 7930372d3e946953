// sandbox-runtime's commands, runc's contract (the OCI runtime spec's
// operations plus runc's extras). The CLI parses; these do the work.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/oci/state.hpp"

namespace sbx::oci {

struct CreateOptions {
  std::string id;
  std::filesystem::path bundle = ".";
  std::string pid_file;
  std::string console_socket;  // the pty master goes there with process.terminal
  unsigned preserve_fds = 0;
  bool no_pivot = false;  // accepted; pivot_root is always used
};

// The container process, set up and waiting at its start gate, once this
// returns; the pid file is written. Must be called single-threaded.
Status create_container(const StateDir& dir, const CreateOptions& options);
// Lets it exec process.args; poststart hooks run after.
Status start_container(const StateDir& dir, const std::string& id);
// The OCI state JSON.
Result<std::string> container_state(const StateDir& dir, const std::string& id);
// kill: created or running only. `all`: every process of its pid namespace.
Status signal_container(const StateDir& dir, const std::string& id, int signal, bool all);
// delete: stopped (or created) containers; `force` kills a running one first.
Status delete_container(const StateDir& dir, const std::string& id, bool force);
// run: create + start; waits and returns the exit code unless `detach`.
Result<int> run_container(const StateDir& dir, const CreateOptions& options, bool detach);

struct ExecOptions {
  std::string id;
  std::string process_file;       // --process: a process JSON replaces the rest
  std::vector<std::string> args;  // else args, with the container's process as defaults
  std::vector<std::string> env;   // --env, added
  std::string cwd, user;          // --cwd, --user UID[:GID]
  std::vector<std::string> caps;  // --cap, added
  bool tty = false, detach = false;
  std::string pid_file, console_socket;
  unsigned preserve_fds = 0;
};
// The command's exit code (0 at once with detach).
Result<int> exec_in_container(const StateDir& dir, const ExecOptions& options);

struct ListEntry {
  ContainerState state;
  ContainerStatus status;
};
std::vector<ListEntry> list_containers(const StateDir& dir);
// Host pids in the container's pid namespace (its init first).
Result<std::vector<pid_t>> container_processes(const StateDir& dir, const std::string& id);
// Every process of the container: its pid namespace's or, without one of its
// own, its cgroup's; nullopt when it has neither (then only init is known).
std::optional<std::vector<pid_t>> all_container_processes(const ContainerState& state);

// `features`: what this runtime supports (runtime-spec features.md).
std::string features_json();
// "9", "KILL", "SIGKILL" -> 9.
Result<int> parse_signal(std::string_view text);

}  // namespace sbx::oci
