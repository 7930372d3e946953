// /etc/subuid and /etc/subgid text, and the id maps made from the ranges it
// gives: container ids must never overlap and stay within 0..65535 (default)
// or at most 65536 ids in all (keep-id).
#include <algorithm>

#include "fuzz_support.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/subid.hpp"

namespace {

using namespace sbx::userns;

void check_map(const std::vector<IdMapEntry>& map) {
  uint64_t total = 0;
  uint64_t previous_end = 0;
  std::vector<IdMapEntry> sorted = map;
  std::sort(sorted.begin(), sorted.end(),
            [](const IdMapEntry& a, const IdMapEntry& b) { return a.inside < b.inside; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const IdMapEntry& entry = sorted[i];
    SBX_FUZZ_CHECK(entry.count > 0);
    SBX_FUZZ_CHECK(uint64_t{entry.inside} + entry.count <= uint64_t{UINT32_MAX} + 1);
    SBX_FUZZ_CHECK(uint64_t{entry.outside} + entry.count <= uint64_t{UINT32_MAX} + 1);
    SBX_FUZZ_CHECK(i == 0 || entry.inside >= previous_end);
    previous_end = uint64_t{entry.inside} + entry.count;
    total += entry.count;
  }
  SBX_FUZZ_CHECK(total <= uint64_t{kMaxSubordinateIds} + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = sbx::fuzz::as_text(data, size);
  for (const SubidOwner& owner : {SubidOwner{"alice", 1000}, SubidOwner{"", 0}}) {
    std::vector<SubidRange> ranges = parse_subid_file(text, owner);
    for (const SubidRange& range : ranges) {
      SBX_FUZZ_CHECK(range.count > 0);
      SBX_FUZZ_CHECK(uint64_t{range.start} + range.count <= UINT32_MAX);
    }
    SBX_FUZZ_CHECK(total_ids(ranges) <= UINT32_MAX);
    for (Mode mode : {Mode::kDefault, Mode::kKeepId}) {
      IdMaps maps = compute_id_maps(owner.uid, owner.uid, ranges, ranges, mode);
      check_map(maps.uids);
      SBX_FUZZ_CHECK(maps.host_uid(mode == Mode::kKeepId ? owner.uid : 0) == owner.uid);
      (void)format_proc_map(maps.gids);
    }
  }
  uint32_t start = suggest_free_start(text);
  SBX_FUZZ_CHECK(start >= 100000 && uint64_t{start} + 65536 <= UINT32_MAX);
  return 0;
}
