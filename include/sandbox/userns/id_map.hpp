// Id maps of a user namespace: container ids -> host ids (the invoking user
// for container root, the /etc/subuid and /etc/subgid ranges for 1..65535).
#pragma once

#include <cstdint>
#include <vector>

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
  friend bool operator==(const IdMaps&, const IdMaps&) = default;
};

}  // namespace sbx::userns
