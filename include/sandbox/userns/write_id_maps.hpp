// Writes the id maps of a child's new user namespace: newgidmap then
// newuidmap (setuid helpers from the `uidmap` package), or /proc/PID/*_map
// directly for a single-id map.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::userns {

struct MapHelper {
  std::string name;  // "newuidmap"
  std::string path;  // empty: not found in PATH
  bool setuid_root = false;
  bool file_caps = false;  // security.capability xattr present
  bool usable() const { return !path.empty() && (setuid_root || file_caps); }
};

MapHelper inspect_map_helper(const std::string& name);
// An error naming the helper and saying to install `uidmap` unless usable.
Status require_map_helper(const MapHelper& helper);

// The id maps of `pid`'s new user namespace being written: newgidmap and
// newuidmap run side by side (each a setuid exec of a few ms) while the
// caller goes on; a map the kernel lets us write ourselves is written at
// once. The helpers are killed on destruction unless finished.
class IdMapWriting {
 public:
  static Result<IdMapWriting> start(pid_t pid, const IdMaps& maps);
  // Waits for the helpers and checks their exit status and output.
  Status finish();

 private:
  pid_t pid_ = -1;
  std::optional<RunningCommand> gid_helper_, uid_helper_;
};

// start + finish: `pid` must have unshared a user namespace and wait for this.
Status write_id_maps(pid_t pid, const IdMaps& maps);

}  // namespace sbx::userns
