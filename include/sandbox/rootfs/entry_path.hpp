// Pure helpers on layer entry names: cleaning a tar path and telling
// whiteouts from ordinary entries. No file system access.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sbx::rootfs {

// Lexically cleans a tar entry name into a relative path inside the layer:
// leading "/" and "./" dropped, "." and empty components removed, ".." applied.
// nullopt when ".." would climb above the layer root (a breakout attempt).
// "" means the layer root itself.
std::optional<std::string> clean_entry_path(std::string_view name);

enum class EntryKind {
  kNormal,    // an ordinary file, dir, link...
  kWhiteout,  // ".wh.NAME": NAME is deleted in this layer
  kOpaque,    // ".wh..wh..opq": the directory hides everything below it
};

struct ClassifiedEntry {
  EntryKind kind = EntryKind::kNormal;
  // kNormal: the cleaned path; kWhiteout: the deleted path; kOpaque: the
  // directory made opaque ("" for the layer root).
  std::string target;
  friend bool operator==(const ClassifiedEntry&, const ClassifiedEntry&) = default;
};

// Cleans `name` (see clean_entry_path) and classifies it. nullopt when the
// name escapes the layer or is a
// malformed whiteout (".wh." alone, ".wh..wh.other" metadata we do not know).
std::optional<ClassifiedEntry> classify_entry(std::string_view name);

}  // namespace sbx::rootfs
