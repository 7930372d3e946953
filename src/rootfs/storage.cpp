// Mount plans for the three storage drivers, and the allocation-free step
// that carries one out in the container's child.
#include "sandbox/rootfs/storage.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxHelperArgs = 8;
// The kernel refuses more lower layers than this (OVL_MAX_STACK).
constexpr size_t kOverlayMaxLayers = 500;

// The overlay option parser splits on ',' and ':' (and treats '\\' as an
// escape); such a path cannot be passed safely.
Status check_option_path(const fs::path& path, std::string_view role) {
  if (path.empty()) return fail(std::string(role) + " directory is not set", EINVAL);
  if (path.native().find_first_of(",:\\\n") != std::string::npos) {
    return fail(Error(std::string(role) + " path " + path.native() +
                          " contains ',', ':' or '\\', which overlay mount options cannot carry",
                      EINVAL)
                    .with_hint("use a store path without those characters (--root)"));
  }
  return {};
}

Status check_layout(const RootfsLayout& layout) {
  if (layout.lower_dirs.empty()) return fail("no lower layer directories", EINVAL);
  if (layout.lower_dirs.size() > kOverlayMaxLayers) {
    return fail("the image has " + std::to_string(layout.lower_dirs.size()) +
                    " layers; overlay stacks at most " + std::to_string(kOverlayMaxLayers),
                E2BIG);
  }
  for (const fs::path& lower : layout.lower_dirs) SBX_TRY(check_option_path(lower, "lower"));
  SBX_TRY(check_option_path(layout.upper, "upper"));
  SBX_TRY(check_option_path(layout.work, "work"));
  SBX_TRY(check_option_path(layout.merged, "merged"));
  return {};
}

std::string overlay_options(const std::vector<std::string>& lowers, const RootfsLayout& layout,
                            bool userxattr) {
  std::string options = "lowerdir=" + join(lowers, ":") + ",upperdir=" + layout.upper.native() +
                        ",workdir=" + layout.work.native();
  if (userxattr) options += ",userxattr";
  return options;
}

// The deepest directory that holds every path.
fs::path common_parent(const std::vector<fs::path>& paths) {
  fs::path common = paths.front().parent_path();
  for (const fs::path& path : paths) {
    while (!common.empty() && common != common.root_path()) {
      auto [end, unused] = std::mismatch(common.begin(), common.end(), path.begin(), path.end());
      if (end == common.end()) break;
      common = common.parent_path();
    }
  }
  return common;
}

}  // namespace

std::string_view to_string(StorageDriver driver) {
  switch (driver) {
    case StorageDriver::kOverlay:
      return "overlay";
    case StorageDriver::kFuseOverlayfs:
      return "fuse-overlayfs";
    case StorageDriver::kVfs:
      return "vfs";
  }
  return "unknown";
}

Result<StorageDriver> parse_storage_driver(std::string_view name) {
  if (name == "overlay" || name == "overlay2") return StorageDriver::kOverlay;
  if (name == "fuse-overlayfs") return StorageDriver::kFuseOverlayfs;
  if (name == "vfs") return StorageDriver::kVfs;
  return fail("unknown storage driver '" + std::string(name) +
                  "' (expected overlay, fuse-overlayfs or vfs)",
              EINVAL);
}

Result<RootfsLayout> make_container_layout(const fs::path& container_dir, const fs::path& merged,
                                           std::vector<fs::path> lower_dirs_top_first) {
  RootfsLayout layout;
  layout.upper = container_dir / "upper";
  layout.work = container_dir / "work";
  layout.merged = merged;
  for (const fs::path& dir : {layout.upper, layout.work, layout.merged})
    SBX_TRY(make_dirs(dir, 0755));
  // The upper dir's own attributes become the container's "/".
  if (::chmod(layout.upper.c_str(), 0755) != 0) return fail_errno("chmod", layout.upper.native());
  if (lower_dirs_top_first.empty()) {
    fs::path empty = container_dir / "empty-lower";
    SBX_TRY(make_dirs(empty, 0755));
    lower_dirs_top_first.push_back(empty);
  }
  // A layer twice in one image (two RUN steps that changed nothing commit the
  // same empty layer) would be the same lowerdir twice, which overlay refuses
  // with ELOOP. Only its topmost copy is kept: it already covers (and hides
  // for) everything a lower copy of the same files would.
  for (const fs::path& dir : lower_dirs_top_first)
    if (std::find(layout.lower_dirs.begin(), layout.lower_dirs.end(), dir) ==
        layout.lower_dirs.end())
      layout.lower_dirs.push_back(dir);
  return layout;
}

Result<PreparedMount> prepare_overlay_mount(const RootfsLayout& layout) {
  SBX_TRY_CTX(check_layout(layout), "overlay");
  PreparedMount prepared{.driver = StorageDriver::kOverlay,
                         .source = "overlay",
                         .target = layout.merged.native(),
                         .fstype = "overlay"};
  std::vector<std::string> lowers;
  for (const fs::path& lower : layout.lower_dirs) lowers.push_back(lower.native());
  prepared.options = overlay_options(lowers, layout, true);
  if (prepared.options.size() <= kMountOptionsMax) return prepared;
  // Too long for one page: name the lowers relative to their common parent
  // and mount from there (as containers/storage does with its short links).
  fs::path parent = common_parent(layout.lower_dirs);
  lowers.clear();
  for (const fs::path& lower : layout.lower_dirs)
    lowers.push_back(lower.lexically_relative(parent).native());
  prepared.options = overlay_options(lowers, layout, true);
  prepared.chdir_to = parent.native();
  if (prepared.options.size() <= kMountOptionsMax) return prepared;
  // Still too long: short symlinks "l/0", "l/1"... in the container's dir.
  fs::path container_dir = layout.upper.parent_path();
  SBX_TRY(make_dirs(container_dir / "l", 0700));
  lowers.clear();
  for (size_t i = 0; i < layout.lower_dirs.size(); ++i) {
    std::string name = "l/" + std::to_string(i);
    fs::path link = container_dir / name;
    ::unlink(link.c_str());
    if (::symlink(layout.lower_dirs[i].c_str(), link.c_str()) != 0)
      return fail_errno("symlink", link.native());
    lowers.push_back(name);
  }
  prepared.options = overlay_options(lowers, layout, true);
  prepared.chdir_to = container_dir.native();
  if (prepared.options.size() <= kMountOptionsMax) return prepared;
  return fail(Error("overlay: the mount options for " + std::to_string(lowers.size()) +
                        " layers need " + std::to_string(prepared.options.size()) +
                        " bytes; the kernel takes at most " + std::to_string(kMountOptionsMax),
                    E2BIG)
                  .with_hint("use a shorter --root path or --storage-driver vfs"));
}

Result<PreparedMount> prepare_fuse_overlay_mount(const RootfsLayout& layout) {
  SBX_TRY_CTX(check_layout(layout), "fuse-overlayfs");
  std::optional<std::string> binary = find_program("fuse-overlayfs");
  if (!binary) {
    return fail(Error("fuse-overlayfs is not installed", ENOENT)
                    .with_hint("install it (apt-get install fuse-overlayfs) or use "
                               "--storage-driver vfs"));
  }
  PreparedMount prepared{.driver = StorageDriver::kFuseOverlayfs,
                         .source = "fuse-overlayfs",
                         .target = layout.merged.native(),
                         .fstype = "fuse.fuse-overlayfs"};
  std::vector<std::string> lowers;
  for (const fs::path& lower : layout.lower_dirs) lowers.push_back(lower.native());
  prepared.options = overlay_options(lowers, layout, false);
  for (const std::string& arg : {*binary, std::string("-o"), prepared.options, prepared.target}) {
    prepared.helper_argv += arg;
    prepared.helper_argv += '\0';
  }
  return prepared;
}

Result<PreparedMount> prepare_vfs_mount(const RootfsLayout& layout, const fs::path& copy_dir) {
  return PreparedMount{
      .driver = StorageDriver::kVfs, .source = copy_dir.native(), .target = layout.merged.native()};
}

namespace {

// fork + exec the helper (argv split at '\0' into a stack array) and wait for
// it: fuse-overlayfs daemonizes once the mount is up, so its exit 0 means
// mounted.
int spawn_fuse_overlayfs(const PreparedMount& prepared) noexcept {
  char* argv[kMaxHelperArgs + 1] = {};
  size_t count = 0;
  const char* data = prepared.helper_argv.data();
  size_t size = prepared.helper_argv.size();
  for (size_t start = 0; start < size && count < kMaxHelperArgs;) {
    argv[count++] = const_cast<char*>(data + start);
    while (start < size && data[start] != '\0') ++start;
    ++start;
  }
  if (count == 0) return EINVAL;
  pid_t pid = ::fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return ENOENT;
  return EIO;
}

}  // namespace

int mount_prepared(const PreparedMount& prepared) noexcept {
  switch (prepared.driver) {
    case StorageDriver::kOverlay:
      if (!prepared.chdir_to.empty() && ::chdir(prepared.chdir_to.c_str()) != 0) return errno;
      if (::mount(prepared.source.c_str(), prepared.target.c_str(), prepared.fstype.c_str(), 0,
                  prepared.options.c_str()) != 0)
        return errno;
      return 0;
    case StorageDriver::kFuseOverlayfs:
      return spawn_fuse_overlayfs(prepared);
    case StorageDriver::kVfs:
      if (::mount(prepared.source.c_str(), prepared.target.c_str(), nullptr, MS_BIND | MS_REC,
                  nullptr) != 0)
        return errno;
      return 0;
  }
  return EINVAL;
}

}  // namespace sbx::rootfs
