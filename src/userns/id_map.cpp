#include "sandbox/userns/id_map.hpp"

#include <unistd.h>

#include <algorithm>

namespace sbx::userns {
namespace {

bool is_single(const std::vector<IdMapEntry>& map) { return map.size() == 1 && map[0].count == 1; }

std::optional<uint32_t> to_host(const std::vector<IdMapEntry>& map, uint32_t inside) {
  for (const auto& e : map)
    if (inside >= e.inside && inside - e.inside < e.count) return e.outside + (inside - e.inside);
  return std::nullopt;
}

// Container ids 1.. follow the ranges in order (podman's default).
std::vector<IdMapEntry> default_map(uint32_t self, const std::vector<SubidRange>& ranges) {
  std::vector<IdMapEntry> map{{0, self, 1}};
  uint32_t inside = 1;
  uint32_t remaining = kMaxSubordinateIds;
  for (const auto& range : ranges) {
    if (remaining == 0) break;
    uint32_t take = std::min(range.count, remaining);
    map.push_back({inside, range.start, take});
    inside += take;
    remaining -= take;
  }
  return map;
}

// Container ids 0.. follow the ranges, skipping `self`, which maps to itself.
std::vector<IdMapEntry> keep_id_map(uint32_t self, const std::vector<SubidRange>& ranges) {
  std::vector<IdMapEntry> map{{self, self, 1}};
  uint64_t inside = 0;
  uint32_t remaining = kMaxSubordinateIds;
  for (const auto& range : ranges) {
    uint32_t outside = range.start;
    uint32_t left = range.count;
    while (left > 0 && remaining > 0 && inside <= UINT32_MAX) {
      if (inside == self) ++inside;
      uint64_t room = inside < self ? self - inside : uint64_t{UINT32_MAX} + 1 - inside;
      uint32_t take = static_cast<uint32_t>(std::min<uint64_t>({left, remaining, room}));
      if (take == 0) break;
      map.push_back({static_cast<uint32_t>(inside), outside, take});
      inside += take;
      outside += take;
      left -= take;
      remaining -= take;
    }
  }
  std::sort(map.begin(), map.end(),
            [](const IdMapEntry& a, const IdMapEntry& b) { return a.inside < b.inside; });
  return map;
}

}  // namespace

bool IdMaps::single_id() const { return is_single(uids) && is_single(gids); }
bool IdMaps::maps_uid(uint32_t inside) const { return to_host(uids, inside).has_value(); }
bool IdMaps::maps_gid(uint32_t inside) const { return to_host(gids, inside).has_value(); }
std::optional<uint32_t> IdMaps::host_uid(uint32_t inside) const { return to_host(uids, inside); }
std::optional<uint32_t> IdMaps::host_gid(uint32_t inside) const { return to_host(gids, inside); }

std::vector<IdMapEntry> compute_id_map(uint32_t self, const std::vector<SubidRange>& ranges,
                                       Mode mode) {
  return mode == Mode::kKeepId ? keep_id_map(self, ranges) : default_map(self, ranges);
}

IdMaps compute_id_maps(uid_t uid, gid_t gid, const std::vector<SubidRange>& subuids,
                       const std::vector<SubidRange>& subgids, Mode mode) {
  return IdMaps{compute_id_map(uid, subuids, mode), compute_id_map(gid, subgids, mode)};
}

std::string missing_range_warning(const std::string& user, const std::string& files,
                                  uint32_t suggested_start) {
  std::string start = std::to_string(suggested_start);
  std::string end = std::to_string(uint64_t{suggested_start} + 65535);
  return "no subordinate ids for " + user + " in " + files +
         ": only your own id is mapped, so files owned by other ids cannot be used; add the "
         "line '" +
         user + ":" + start + ":65536' to " + files + " (or run: sudo usermod --add-subuids " +
         start + "-" + end + " --add-subgids " + start + "-" + end + " " + user + ")";
}

Result<IdMaps> id_maps_for_current_user(Mode mode, std::vector<std::string>& warnings) {
  SubidOwner owner = current_owner();
  SubidLookup uids = SBX_TRY(lookup_subids(SubidKind::kUid, owner));
  SubidLookup gids = SBX_TRY(lookup_subids(SubidKind::kGid, owner));
  std::string user = owner.name.empty() ? std::to_string(owner.uid) : owner.name;
  uint32_t start = std::max(uids.suggested_start, gids.suggested_start);
  if (uids.ranges.empty() && gids.ranges.empty())
    warnings.push_back(missing_range_warning(user, "/etc/subuid and /etc/subgid", start));
  else if (uids.ranges.empty())
    warnings.push_back(missing_range_warning(user, "/etc/subuid", start));
  else if (gids.ranges.empty())
    warnings.push_back(missing_range_warning(user, "/etc/subgid", start));
  return compute_id_maps(owner.uid, ::getgid(), uids.ranges, gids.ranges, mode);
}

std::string format_proc_map(const std::vector<IdMapEntry>& entries) {
  std::string text;
  for (const auto& e : entries)
    text += std::to_string(e.inside) + " " + std::to_string(e.outside) + " " +
            std::to_string(e.count) + "\n";
  return text;
}

std::vector<std::string> helper_map_args(const std::vector<IdMapEntry>& entries) {
  std::vector<std::string> args;
  for (const auto& e : entries) {
    args.push_back(std::to_string(e.inside));
    args.push_back(std::to_string(e.outside));
    args.push_back(std::to_string(e.count));
  }
  return args;
}

}  // namespace sbx::userns
