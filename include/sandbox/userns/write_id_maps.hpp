// Writes the id maps of a child's new user namespace: newgidmap then
// newuidmap (setuid helpers from the `uidmap` package), or /proc/PID/*_map
// directly for a single-id map.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/base/error.hpp"
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

// Writes gid then uid maps of `pid`, which must have unshared a user
// namespace and wait for this. Helper exit status and output are checked.
Status write_id_maps(pid_t pid, const IdMaps& maps);

}  // namespace sbx::userns
