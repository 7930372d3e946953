// Id maps of a user namespace: container ids -> host ids (the invoking user
// for container root, the /etc/subuid and /etc/subgid ranges for 1..65535).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/userns/subid.hpp"

namespace sbx::userns {

struct IdMapEntry {
  uint32_t inside = 0;   // first id in the namespace
  uint32_t outside = 0;  // first id on the host
  uint32_t count = 0;
  friend bool operator==(const IdMapEntry&, const IdMapEntry&) = default;
};

struct IdMaps {
  std::vector<IdMapEntry> uids;
  std::vector<IdMapEntry> gids;
  // True when only one id is mapped (the user has no subordinate range).
  bool single_id() const;
  bool maps_uid(uint32_t inside) const;
  bool maps_gid(uint32_t inside) const;
  // The host id that `inside` becomes, if it is mapped.
  std::optional<uint32_t> host_uid(uint32_t inside) const;
  std::optional<uint32_t> host_gid(uint32_t inside) const;
  friend bool operator==(const IdMaps&, const IdMaps&) = default;
};

// Subordinate ids used per namespace: container ids 1..65535 (as podman).
inline constexpr uint32_t kMaxSubordinateIds = 65535;

enum class Mode {
  kDefault,  // container root = the invoking user, 1..N = subordinate ids
  kKeepId,   // podman --userns=keep-id: the invoking uid/gid is itself inside
};

// One dimension (uids or gids): `self` is the invoking uid or gid. With no
// ranges the map has one entry of one id.
std::vector<IdMapEntry> compute_id_map(uint32_t self, const std::vector<SubidRange>& ranges,
                                       Mode mode);
IdMaps compute_id_maps(uid_t uid, gid_t gid, const std::vector<SubidRange>& subuids,
                       const std::vector<SubidRange>& subgids, Mode mode = Mode::kDefault);

// The warning shown when a user has no range for `file` ("/etc/subuid",
// "/etc/subgid" or both as "/etc/subuid and /etc/subgid").
std::string missing_range_warning(const std::string& user, const std::string& files,
                                  uint32_t suggested_start = 100000);

// Maps for the invoking user from /etc/subuid, /etc/subgid (or libsubid);
// appends a warning when a single-id map had to be used.
Result<IdMaps> id_maps_for_current_user(Mode mode, std::vector<std::string>& warnings);

// The text of /proc/PID/uid_map for `entries` ("0 1000 1\n1 100000 65535\n").
std::string format_proc_map(const std::vector<IdMapEntry>& entries);
// The arguments newuidmap/newgidmap take after the pid.
std::vector<std::string> helper_map_args(const std::vector<IdMapEntry>& entries);

}  // namespace sbx::userns
