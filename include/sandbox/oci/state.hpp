// sandbox-runtime's state dir: <root>/<id>/ holds state.json (what create
// recorded), config.json (the bundle's, as created), the start gate and a lock.
// The status is never stored: it is read from the process each time, so
// `state` says stopped the moment the container's init exits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {

enum class ContainerStatus { kCreated, kRunning, kStopped };
std::string_view status_name(ContainerStatus status);

struct ContainerState {
  std::string id;
  pid_t pid = 0;
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: a reused pid is not ours
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339
  uid_t owner = 0;
  std::map<std::string, std::string> annotations;
  std::string cgroup;  // the container's cgroup dir when it has limits
};

// --root, or XDG_RUNTIME_DIR/sandbox-runtime (runc: $XDG_RUNTIME_DIR/runc),
// else /run/sandbox-runtime for root and /tmp/sandbox-runtime-<uid>.
std::filesystem::path default_state_root();

class StateDir {
 public:
  // `root` is made (0700) when missing.
  static Result<StateDir> open(const std::filesystem::path& root);

  // create: a new dir for `id` (an error if it exists: mkdir is the
  // arbiter between two creates). Not locked: the container process would
  // inherit the lock; until state.json is written, others see no container.
  Status make(const std::string& id) const;
  // Any other command: "container <id> does not exist" when missing.
  Result<ContainerState> read(const std::string& id) const;
  Result<FileLock> lock(const std::string& id) const;
  Status write(const ContainerState& state) const;
  Status remove(const std::string& id) const;
  std::vector<std::string> ids() const;

  std::filesystem::path dir(const std::string& id) const { return root_ / id; }
  std::filesystem::path start_gate(const std::string& id) const { return dir(id) / "start"; }
  std::filesystem::path config_copy(const std::string& id) const { return dir(id) / "config.json"; }
  const std::filesystem::path& root() const { return root_; }

 private:
  explicit StateDir(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// The config.json the container was created from (kept in its dir).
Result<Config> read_saved_config(const StateDir& dir, const std::string& id);

// From the process and the start gate.
ContainerStatus status_of(const StateDir& dir, const ContainerState& state);

// The OCI state JSON (`state` prints it; hooks get it on stdin).
std::string state_json(const ContainerState& state, ContainerStatus status);

// The state JSON the in-container hooks get, up to the value of "status":
// the container's child adds the status and its pid (launch::ContainerHooks).
std::string hook_state_prefix(const std::string& id, const std::string& bundle,
                              const std::map<std::string, std::string>& annotations);

// An id as runc accepts them: [A-Za-z0-9_+.-], not "." or "..", no slash.
Status check_container_id(const std::string& id);

}  // namespace sbx::oci
