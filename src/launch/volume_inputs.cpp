// The volumes a container mounts, made ready before planning: created on
// first use and, while still empty, filled with what the image has at the
// mount point (docker's copy-up), owned through the container's id map.
#include "volume_inputs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>

#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/launch/plan.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::launch {
namespace {

namespace fs = std::filesystem;

bool is_opaque(int dir_fd) {
  char value[4];
  for (const char* name : {"user.overlay.opaque", "trusted.overlay.opaque"})
    if (::fgetxattr(dir_fd, name, value, sizeof value) == 1 && value[0] == 'y') return true;
  return false;
}

// The layers' dirs at `rel` (top first) that make up the merged dir there.
// Each is reached without following a symlink; a symlink, a file or a
// whiteout at `rel` hides what is below it, and so does an opaque dir.
std::vector<fs::path> image_dirs_at(const std::vector<fs::path>& lowers_top_first,
                                    const std::string& rel) {
  std::vector<fs::path> dirs;
  for (const auto& layer : lowers_top_first) {
    UniqueFd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) break;
    open_how how{};
    how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root.get(), rel.c_str(), &how, sizeof how)));
    if (!fd) {
      if (errno == ENOENT) continue;
      break;  // not a directory, a symlink on the way: nothing to copy from here down
    }
    dirs.push_back(layer / rel);
    if (is_opaque(fd.get())) break;
  }
  return dirs;
}

bool dir_is_empty(const fs::path& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

Status fill_from_image(const containers::VolumeInfo& volume, const std::string& destination,
                       const std::vector<fs::path>& lowers_top_first, const userns::IdMaps& maps) {
  auto dirs = image_dirs_at(lowers_top_first, destination.substr(1));
  if (dirs.empty() || !dir_is_empty(volume.mountpoint)) return {};
  auto copied = userns::run_in_user_namespace(maps, [&](std::vector<std::string>&) {
    return rootfs::copy_layers_vfs(dirs, volume.mountpoint);
  });
  if (!copied) return fail(std::move(copied.error()));
  return {};
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Owner of the dir open at `dir_fd` and of everything below it on its file
// system; `path` names it in errors.
Status chown_tree_at(int dir_fd, const std::string& path, uid_t uid, gid_t gid, dev_t dev) {
  if (::fchown(dir_fd, uid, gid) != 0) return fail_errno("chown", path);
  int listed = ::dup(dir_fd);
  if (listed < 0) return fail_errno("dup", path);
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(listed));
  if (!dir) {
    ::close(listed);
    return fail_errno("opendir", path);
  }
  while (dirent* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string child = path + "/" + name;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat", child);
    if (st.st_dev != dev) continue;  // another file system mounted here
    if (!S_ISDIR(st.st_mode)) {
      if (::fchownat(dir_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_errno("lchown", child);
      continue;
    }
    UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) return fail_errno("open", child);
    SBX_TRY(chown_tree_at(sub.get(), child, uid, gid, dev));
  }
  return {};
}

Status chown_tree(const std::string& path, uid_t uid, gid_t gid) {
  UniqueFd top(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!top) return fail_errno("open", path);
  struct stat st;
  if (::fstat(top.get(), &st) != 0) return fail_errno("stat", path);
  return chown_tree_at(top.get(), path, uid, gid, st.st_dev);
}

}  // namespace

Result<std::string> prepare_volume_overlays(const containers::ContainerSpec& spec,
                                            const fs::path& container_dir,
                                            const std::string& volumes_dir, bool kernel_overlay) {
  fs::path dir = container_dir / "volume-overlays";
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const containers::MountRequest& m = spec.mounts[i];
    if (!m.overlay) continue;
    std::string what = "-v " + m.source + ":" + m.destination + ":O";
    if (m.type == containers::MountType::kTmpfs)
      return fail(what + ": O is for bind mounts and volumes");
    if (!kernel_overlay)
      return fail(Error(what + ": needs kernel overlayfs, which this container's rootfs does "
                               "not use")
                      .with_hint("run with --storage-driver overlay (Linux 5.11 or later)"));
    std::string source = mount_host_source(m, volumes_dir);
    if (source.find_first_of(",:") != std::string::npos)
      return fail(
          Error(what + ": overlay cannot take a path with ',' or ':' (" + source + ")", EINVAL)
              .with_hint("bind a path without them"));
    for (const char* sub : {"upper", "work"})
      SBX_TRY_CTX(make_dirs(dir / std::to_string(i) / sub, 0755), what);
  }
  return dir.string();
}

Status chown_volume_sources(const containers::ContainerSpec& spec, const std::string& volumes_dir,
                            uint32_t uid, uint32_t gid, const userns::IdMaps& maps) {
  std::vector<std::string> sources;
  for (const auto& m : spec.mounts)
    if (m.chown && m.type != containers::MountType::kTmpfs)
      sources.push_back(mount_host_source(m, volumes_dir));
  if (sources.empty()) return {};
  auto changed = userns::run_in_user_namespace(maps, [&](std::vector<std::string>&) -> Status {
    for (const auto& source : sources)
      SBX_TRY_CTX(chown_tree(source, static_cast<uid_t>(uid), static_cast<gid_t>(gid)),
                  "-v " + source + ":U");
    return {};
  });
  if (changed) return {};
  Error error = std::move(changed.error());
  if (error.hint().empty())
    error = std::move(error).with_hint(
        "every file under a :U source must belong to you or to your subordinate ids");
  return fail(std::move(error));
}

Result<std::string> prepare_volumes(const containers::ContainerSpec& spec,
                                    const store::Store& store,
                                    const std::vector<fs::path>& lowers_top_first,
                                    const userns::IdMaps& maps) {
  auto volumes = SBX_TRY(containers::Volumes::open(store.root()));
  for (const auto& m : spec.mounts) {
    if (m.type != containers::MountType::kVolume) continue;
    if (m.source.empty()) return fail("volume at " + m.destination + " has no name");
    auto volume = SBX_TRY_CTX(volumes.ensure(m.source), "volume " + m.source);
    if (volume.populated) continue;
    if (!m.no_copy)
      SBX_TRY_CTX(fill_from_image(volume, m.destination, lowers_top_first, maps),
                  "fill volume " + m.source + " from the image's " + m.destination);
    SBX_TRY(volumes.mark_populated(m.source));
  }
  return volumes.dir().string();
}

}  // namespace sbx::launch
