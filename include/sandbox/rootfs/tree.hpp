// A directory tree measured and compared the same way at unpack time and at
// check time (`sandbox system check`), to tell a whole layer from a damaged
// one. Run inside the user namespace for trees owned by subordinate ids.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sandbox/base/error.hpp"

namespace sbx::rootfs {

struct TreeStats {
  uint64_t entries = 0;     // names below the root: directories, files, links, devices
  uint64_t file_bytes = 0;  // sizes of regular files, each inode once (hard links)
  friend bool operator==(const TreeStats&, const TreeStats&) = default;
};

Result<TreeStats> measure_tree(const std::filesystem::path& root);

// The first difference of the tree at `a` from the one at `b` (a name only one has,
// or another type, mode, owner, size, modification time of a non-directory,
// link target, device number, overlay xattr or file content), as a sentence
// naming the path; nullopt when they are the same.
Result<std::optional<std::string>> first_difference(const std::filesystem::path& a,
                                                    const std::filesystem::path& b);

}  // namespace sbx::rootfs
