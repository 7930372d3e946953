// A container's root file system for `cp`, as a worker sees it. Private to
// containers.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/store/store.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::containers {

class ContainerRoot {
 public:
  // Finds the container: a running one by its PID 1's root (/proc/PID/root,
  // opened here: its volumes and other mounts are seen), a stopped one by
  // its file system as `start` would mount it, under the container's lock
  // (no start meanwhile) and the store's shared gc lock.
  static Result<ContainerRoot> open(const store::Store& store, std::string_view container);

  using Body = std::function<Status(int root_fd, std::vector<std::string>& warnings)>;
  // Runs `body` as root of a user namespace with the container's id maps
  // (owners land on the container's ids), with an fd of the root. Returns
  // the body's warnings.
  Result<std::vector<std::string>> run(const Body& body) const;

  const std::string& name() const { return name_; }

  // A stopped container's volumes, bind mounts and tmpfs are not mounted for
  // the copy: a path on one is an error (saying to start it) rather than a
  // copy to or from the layer hidden below the mount.
  Status check_reachable(std::string_view path) const;

 private:
  ContainerRoot() = default;

  std::string name_;
  userns::IdMaps maps_;
  FileLock lock_;
  FileLock gc_lock_;
  UniqueFd proc_root_;                          // running
  std::filesystem::path root_dir_;              // stopped, vfs: the full copy
  std::optional<rootfs::PreparedMount> mount_;  // stopped, overlay / fuse-overlayfs
  std::optional<TempDir> mount_point_;
  std::vector<std::string> mounts_;  // stopped: mount destinations, cleaned
};

}  // namespace sbx::containers
