// What a container's writable layer changed against its image (`diff`), read
// from the overlay upper dir: docker's A(dded), C(hanged), D(eleted) list.
// Run inside the user namespace (the dirs belong to subordinate ids).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::rootfs {

struct LayerChange {
  char kind = 'C';   // 'A', 'C' or 'D'
  std::string path;  // absolute in the container: "/etc/hosts"
  friend bool operator==(const LayerChange&, const LayerChange&) = default;
};

// The changes of `upper` over the image layers `lowers_top_first`, sorted by
// path. A whiteout (char 0/0, or a ".wh.NAME" file as fuse-overlayfs may
// write) is a deletion; a name the image has is a change; any other an
// addition (and so is everything below an added directory).
Result<std::vector<LayerChange>> upper_changes(
    const std::filesystem::path& upper, const std::vector<std::filesystem::path>& lowers_top_first);

}  // namespace sbx::rootfs
