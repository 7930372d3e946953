#include "subid_lib.hpp"

#include <shadow/subid.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace sbx::userns {

std::vector<SubidRange> libsubid_ranges(SubidKind kind, const std::string& user) {
  // Without init libsubid logs to stderr; NULL sends its messages to /dev/null.
  static std::once_flag init;
  std::call_once(init, [] { subid_init("sandbox", nullptr); });
  subid_range* ranges = nullptr;
  int n = kind == SubidKind::kUid ? subid_get_uid_ranges(user.c_str(), &ranges)
                                  : subid_get_gid_ranges(user.c_str(), &ranges);
  std::vector<SubidRange> out;
  for (int i = 0; i < n; ++i) {
    if (ranges[i].count == 0 || ranges[i].start > UINT32_MAX ||
        ranges[i].start + ranges[i].count > UINT32_MAX)
      continue;
    out.push_back(
        SubidRange{static_cast<uint32_t>(ranges[i].start), static_cast<uint32_t>(ranges[i].count)});
  }
  std::free(ranges);
  return out;
}

}  // namespace sbx::userns
