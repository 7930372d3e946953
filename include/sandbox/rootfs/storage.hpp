// How a container's root filesystem is assembled from the unpacked layers:
// kernel overlay (in the user namespace, `userxattr`), fuse-overlayfs, or a
// full copy (vfs). Plans are made in the parent; mount_prepared runs in the
// container's child after clone() and neither allocates nor throws.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::rootfs {

enum class StorageDriver { kOverlay, kFuseOverlayfs, kVfs };

std::string_view to_string(StorageDriver driver);  // "overlay", "fuse-overlayfs", "vfs"
Result<StorageDriver> parse_storage_driver(std::string_view name);

struct RootfsLayout {
  std::vector<std::filesystem::path> lower_dirs;  // top layer first
  std::filesystem::path upper;
  std::filesystem::path work;
  std::filesystem::path merged;  // the mount point (rootfs of the container)
};

// Creates <container_dir>/{upper,work} (and an empty lower dir when the image
// has no layers, since overlay needs one) and the mount point `merged`, which
// may live elsewhere (the runtime dir: a tmpfs spares a disk inode per start).
Result<RootfsLayout> make_container_layout(const std::filesystem::path& container_dir,
                                           const std::filesystem::path& merged,
                                           std::vector<std::filesystem::path> lower_dirs_top_first);

// Everything the child needs to mount the rootfs, as ready-made C strings.
struct PreparedMount {
  StorageDriver driver = StorageDriver::kOverlay;
  std::string source;   // mount(2) source ("overlay", or the vfs copy for a bind)
  std::string target;   // the merged dir
  std::string fstype;   // "overlay"; empty for a bind mount
  std::string options;  // mount data / fuse-overlayfs -o value
  // Non-empty: chdir here before mounting, the lowerdirs are relative to it
  // (keeps the option string under the kernel's one-page limit). The child's
  // working directory changes; it pivots into the rootfs afterwards anyway.
  std::string chdir_to;
  // fuse-overlayfs: argv joined with '\0' separators (argv[0] is the binary).
  std::string helper_argv;
};

inline constexpr size_t kMountOptionsMax = 4095;  // one page minus the NUL

// Kernel overlay: "lowerdir=A:B,upperdir=U,workdir=W,userxattr". Beyond one
// page the lowerdirs become relative to their common parent, and beyond that
// short symlinks <container dir>/l/N (the parent of `upper`). Paths with
// ',' ':' or '\\' are refused (the kernel option parser would split them).
Result<PreparedMount> prepare_overlay_mount(const RootfsLayout& layout);
// fuse-overlayfs with the same dirs; fails when the binary or /dev/fuse is not
// usable, saying what the admin should do.
Result<PreparedMount> prepare_fuse_overlay_mount(const RootfsLayout& layout);
// vfs: bind-mounts `copy_dir` (filled by copy_layers_vfs) on layout.merged.
Result<PreparedMount> prepare_vfs_mount(const RootfsLayout& layout,
                                        const std::filesystem::path& copy_dir);

// Runs in the child (inside the user + mount namespace): mounts, or for
// fuse-overlayfs spawns the helper and waits for it to have mounted. Returns 0
// or an errno value; never allocates.
int mount_prepared(const PreparedMount& prepared) noexcept;

// vfs: copies the layers (overlay form, top first) into `dest` (created when
// missing) from the bottom up, applying whiteouts and opaque dirs. Run inside the user namespace so
// the subordinate ownership is kept.
Status copy_layers_vfs(const std::vector<std::filesystem::path>& lower_dirs_top_first,
                       const std::filesystem::path& dest);

// What the host offers, for `sandbox system check` and the default choice.
struct StorageProbe {
  std::string fs_type;         // "ext4", "nfs", ... of the store root
  bool network_fs = false;     // NFS/GPFS/CIFS...: no overlay upper dirs
  bool overlay_ok = false;     // kernel overlay mounts in a user namespace
  std::string overlay_reason;  // why not, when !overlay_ok
  bool fuse_ok = false;        // fuse-overlayfs installed and /dev/fuse usable
  std::string fuse_reason;     // why not, with the fix
  StorageDriver best = StorageDriver::kVfs;
  bool remembered = false;  // read from the store instead of probed now
};

// Probes the host once (a tiny overlay mount in a user namespace, in a temp dir
// under the store) and remembers the answer in <store_root>/storage-driver;
// later calls read that file. `force` probes again.
Result<StorageProbe> probe_storage(const std::filesystem::path& store_root, bool force = false);
// The driver to use by default: probe_storage(...).best.
Result<StorageDriver> probe_storage_driver(const std::filesystem::path& store_root);
// Error when `driver` cannot work on this host, with the reason and the fix.
Status check_storage_driver(const StorageProbe& probe, StorageDriver driver);

}  // namespace sbx::rootfs
