// `cp` and `diff`: files between a container and the host, and what a
// container's writable layer changed. Every path inside the container is
// resolved inside its root (rootfs/root_path.hpp), by a worker that runs as
// root of a user namespace with the container's id maps, and nothing from
// the container is ever loaded or run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/rootfs/layer_changes.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {

// One side of `cp`: CONTAINER:PATH, or a host path (container empty; "-" is
// a tar stream), read as docker does: an absolute path, or one whose part
// before the first ':' starts with '.', is a host path.
struct CopyArg {
  std::string container;
  std::string path;
  friend bool operator==(const CopyArg&, const CopyArg&) = default;
};
CopyArg parse_copy_arg(std::string_view arg);

// What a destination is before the copy (symlinks followed).
enum class DestKind { kMissing, kFile, kDirectory };

// Where a copy lands, by docker's rules: in the destination itself (an
// existing directory), or in the destination's parent under `name`. `name` ""
// means the source directory's contents ("SRC/." into an existing directory).
struct CopyPlacement {
  bool into_dest = false;
  std::string name;
  friend bool operator==(const CopyPlacement&, const CopyPlacement&) = default;
};
// Errors: a file source with a trailing "/" or "/.", a directory onto a file,
// a file onto "DIR/" that does not exist.
Result<CopyPlacement> place_copy(std::string_view src, bool src_is_dir, std::string_view dest,
                                 DestKind dest_kind);

struct CopyOptions {
  bool archive = false;      // -a: keep uids/gids (through the container's id maps)
  bool follow_link = false;  // -L: follow a symlink given as SRC
};

// `cp SRC DEST`, one side CONTAINER:PATH; "-" reads a tar from `in_fd`
// (DEST a directory in the container) or writes one to `out_fd`. A running
// container is reached through its PID 1's root (volumes included); a
// stopped one has its root file system mounted for the copy (under its
// lock). Files copied in belong to the container's root unless -a; files
// copied out to the caller. Returns warnings (device nodes skipped, ...).
// Single-threaded callers only (forks).
Result<std::vector<std::string>> copy_files(const store::Store& store, std::string_view src,
                                            std::string_view dest, const CopyOptions& options,
                                            int in_fd, int out_fd);

// `diff CONTAINER`: the writable layer's changes against the image.
Result<std::vector<rootfs::LayerChange>> container_diff(const store::Store& store,
                                                        std::string_view container);

}  // namespace sbx::containers
