#include "sandbox/userns/subid.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "subid_lib.hpp"

namespace sbx::userns {
namespace {

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

struct Line {
  std::string_view owner;
  SubidRange range;
};

// "owner:start:count" with a non-empty owner, count > 0 and no overflow.
std::optional<Line> parse_line(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  size_t first = line.find(':');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  size_t second = line.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto start = parse_u32(line.substr(first + 1, second - first - 1));
  auto count = parse_u32(line.substr(second + 1));
  if (!start || !count || *count == 0) return std::nullopt;
  if (uint64_t{*start} + *count > uint64_t{UINT32_MAX}) return std::nullopt;
  return Line{line.substr(0, first), SubidRange{*start, *count}};
}

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (auto parsed = parse_line(line)) fn(*parsed);
  }
}

}  // namespace

std::vector<SubidRange> parse_subid_file(std::string_view text, const SubidOwner& owner) {
  std::string uid_text = std::to_string(owner.uid);
  std::vector<SubidRange> ranges;
  for_each_line(text, [&](const Line& line) {
    if ((!owner.name.empty() && line.owner == owner.name) || line.owner == uid_text)
      ranges.push_back(line.range);
  });
  return ranges;
}

uint64_t total_ids(const std::vector<SubidRange>& ranges) {
  uint64_t total = 0;
  for (const auto& range : ranges) total += range.count;
  return std::min<uint64_t>(total, UINT32_MAX);
}

uint32_t suggest_free_start(std::string_view text, uint32_t count) {
  uint64_t start = 100000;
  for_each_line(text, [&](const Line& line) {
    start = std::max<uint64_t>(start, uint64_t{line.range.start} + line.range.count);
  });
  if (start + count > UINT32_MAX) return 100000;
  return static_cast<uint32_t>(start);
}

Result<SubidLookup> lookup_subids(SubidKind kind, const SubidOwner& owner) {
  const char* file = kind == SubidKind::kUid ? "/etc/subuid" : "/etc/subgid";
  std::string text;
  if (auto read = read_file(file)) {
    text = std::move(*read);
  } else if (read.error().errno_value() != ENOENT) {
    return fail(std::move(read.error()).context("read subordinate ids"));
  }
  SubidLookup lookup;
  lookup.suggested_start = suggest_free_start(text);
  lookup.ranges = parse_subid_file(text, owner);
  if (!lookup.ranges.empty()) {
    lookup.source = file;
    return lookup;
  }
  if (!owner.name.empty()) {
    lookup.ranges = libsubid_ranges(kind, owner.name);
    if (!lookup.ranges.empty()) lookup.source = "libsubid";
  }
  return lookup;
}

SubidOwner current_owner() {
  SubidOwner owner;
  owner.uid = ::getuid();
  std::vector<char> buffer(16384);
  passwd entry;
  passwd* found = nullptr;
  if (::getpwuid_r(owner.uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found)
    owner.name = found->pw_name;
  return owner;
}

}  // namespace sbx::userns
