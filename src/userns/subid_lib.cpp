#include "subid_lib.hpp"

#include <shadow/subid.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

#include "sandbox/base/files.hpp"
#include "sandbox/base/lazy_library.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::userns {
namespace {

// libsubid drags in pam, audit, selinux and semanage: loaded only when asked.
LazyLibrary& libsubid() {
  static LazyLibrary library("libsubid.so.4");
  return library;
}

// Without a `subid:` line in nsswitch.conf libsubid reads /etc/subuid and
// /etc/subgid itself, which subid.cpp has already done.
bool nsswitch_has_subid_source() {
  auto text = read_file("/etc/nsswitch.conf");
  if (!text) return false;
  for (std::string_view line : split(*text, '\n')) {
    line = trim(line);
    if (line.starts_with("subid:") && !trim(line.substr(6)).empty()) return true;
  }
  return false;
}

}  // namespace

OptionalLibrary libsubid_library() { return {"libsubid", libsubid().soname(), libsubid().load()}; }

std::vector<SubidRange> libsubid_ranges(SubidKind kind, const std::string& user) {
  if (!nsswitch_has_subid_source() || !libsubid().load()) return {};
  // Without init libsubid logs to stderr; NULL sends its messages to /dev/null.
  static std::once_flag init;
  std::call_once(init, [] { SBX_LAZY(libsubid(), subid_init)("sandbox", nullptr); });
  subid_range* ranges = nullptr;
  int n = kind == SubidKind::kUid
              ? SBX_LAZY(libsubid(), subid_get_uid_ranges)(user.c_str(), &ranges)
              : SBX_LAZY(libsubid(), subid_get_gid_ranges)(user.c_str(), &ranges);
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
