#include "sandbox/rootfs/entry_path.hpp"

#include <vector>

#include "sandbox/rootfs/root_path.hpp"

namespace sbx::rootfs {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// "." and empty components dropped, ".." applied; above the root it is
// nullopt, or with `clamp` stays at the root (as the kernel's "/..").
std::optional<std::string> clean_path(std::string_view name, bool clamp) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty() && !clamp) return std::nullopt;
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string cleaned;
  for (std::string_view part : parts) {
    if (!cleaned.empty()) cleaned += '/';
    cleaned += part;
  }
  return cleaned;
}

}  // namespace

std::optional<std::string> clean_entry_path(std::string_view name) {
  return clean_path(name, false);
}

std::string clean_root_path(std::string_view path) { return *clean_path(path, true); }

std::optional<ClassifiedEntry> classify_entry(std::string_view name) {
  std::optional<std::string> cleaned = clean_entry_path(name);
  if (!cleaned) return std::nullopt;
  std::string_view path = *cleaned;
  size_t slash = path.rfind('/');
  std::string_view dir =
      slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (!base.starts_with(kWhiteoutPrefix)) return ClassifiedEntry{EntryKind::kNormal, *cleaned};
  if (base == kOpaqueMarker) return ClassifiedEntry{EntryKind::kOpaque, std::string(dir)};
  std::string_view hidden = base.substr(kWhiteoutPrefix.size());
  // ".wh." alone, or other ".wh..wh." metadata (aufs plinks etc.), has no
  // meaning for us and must not turn into a whiteout of "" or "..".
  if (hidden.empty() || hidden.starts_with(kWhiteoutPrefix) || hidden == "." || hidden == "..")
    return std::nullopt;
  std::string target(dir);
  if (!target.empty()) target += '/';
  target += hidden;
  return ClassifiedEntry{EntryKind::kWhiteout, std::move(target)};
}

}  // namespace sbx::rootfs
