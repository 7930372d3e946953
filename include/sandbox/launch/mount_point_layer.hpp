// The mount points every container needs and many images lack (/proc, /sys,
// /dev, /etc/hostname, /etc/hosts, /etc/resolv.conf), made once per image as
// one more lower layer on top of the image's. Made in each container's upper
// dir instead they cost a copy-up of /etc and several new inodes on the store's
// filesystem at every start (docker's per-container "init layer", made once).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::launch {

// What the layer holds: each mount point missing from every layer whose parent
// is a real directory (made here too, with the image's mode, when the image
// has it with our owner). Anything a layer has, or might have (a whiteout, a
// symlink on the way), is left to the child to make in the upper dir, so the
// layer never hides or changes what the image shows.
struct MountPointEntry {
  std::string path;  // relative, e.g. "etc/hosts"
  bool directory = false;
  mode_t mode = 0;
};
std::vector<MountPointEntry> missing_mount_points(
    const std::vector<std::filesystem::path>& lowers_top_first);

// `cache_dir`/`key` holding the missing mount points (made on first use,
// atomically: concurrent runs share one), or nothing when the image has them
// all. `key` names the image (its id).
Result<std::optional<std::filesystem::path>> mount_point_layer(
    const std::filesystem::path& cache_dir, const std::string& key,
    const std::vector<std::filesystem::path>& lowers_top_first);

}  // namespace sbx::launch
