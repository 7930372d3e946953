#include "sandbox/launch/mount_point_layer.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::launch {
namespace {

namespace fs = std::filesystem;

const std::vector<MountPointEntry> kMountPoints = {{"proc", true, 0755},
                                                   {"sys", true, 0755},
                                                   {"dev", true, 0755},
                                                   {"etc", true, 0755},
                                                   {"etc/hostname", false, 0644},
                                                   {"etc/hosts", false, 0644},
                                                   {"etc/resolv.conf", false, 0644}};

enum class Presence { kMissing, kDirectory, kOther };

struct Found {
  Presence presence = Presence::kMissing;
  struct stat st {};
};

// What the merged view shows at `rel`, as far as the layers tell without
// following any symlink: the topmost layer with an entry decides. Anything
// unclear (a symlink on the way, an error) counts as present.
Found find(const std::vector<fs::path>& lowers_top_first, const std::string& rel) {
  for (const auto& layer : lowers_top_first) {
    UniqueFd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return {Presence::kOther};
    open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root.get(), rel.c_str(), &how, sizeof how)));
    if (!fd) {
      if (errno == ENOENT) continue;
      return {Presence::kOther};
    }
    Found found;
    if (::fstat(fd.get(), &found.st) != 0) return {Presence::kOther};
    found.presence = S_ISDIR(found.st.st_mode) ? Presence::kDirectory : Presence::kOther;
    return found;
  }
  return {};
}

// A merged directory takes its owner and mode from the topmost layer that has
// it, so ours may only carry one the image has with the same owner (ours, the
// container's root) and mode; the mode is copied in make_entries.
bool may_shadow(const struct stat& image_dir) {
  return image_dir.st_uid == ::getuid() && image_dir.st_gid == ::getgid();
}

Status make_entries(const fs::path& dir, const std::vector<MountPointEntry>& entries) {
  for (const auto& e : entries) {
    auto path = dir / e.path;
    if (e.directory) {
      if (::mkdir(path.c_str(), e.mode) != 0) return fail_errno("mkdir", path.native());
      if (::chmod(path.c_str(), e.mode) != 0) return fail_errno("chmod", path.native());
      continue;
    }
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, e.mode));
    if (!fd) return fail_errno("create", path.native());
  }
  return {};
}

}  // namespace

std::vector<MountPointEntry> missing_mount_points(const std::vector<fs::path>& lowers_top_first) {
  std::vector<MountPointEntry> out;
  auto made_here = [&](const std::string& path) {
    return std::ranges::any_of(out, [&](const auto& e) { return e.path == path; });
  };
  for (const auto& wanted : kMountPoints) {
    if (find(lowers_top_first, wanted.path).presence != Presence::kMissing) continue;
    auto slash = wanted.path.rfind('/');
    if (slash != std::string::npos) {
      std::string parent = wanted.path.substr(0, slash);
      if (!made_here(parent)) {
        Found dir = find(lowers_top_first, parent);
        if (dir.presence != Presence::kDirectory || !may_shadow(dir.st)) continue;
        out.push_back({parent, true, dir.st.st_mode & 07777});
      }
    }
    out.push_back(wanted);
  }
  return out;
}

Result<std::optional<fs::path>> mount_point_layer(const fs::path& cache_dir, const std::string& key,
                                                  const std::vector<fs::path>& lowers_top_first) {
  auto layer = cache_dir / key;
  if (path_exists(layer)) return std::optional<fs::path>(layer);
  auto missing = missing_mount_points(lowers_top_first);
  if (missing.empty()) return std::optional<fs::path>();
  SBX_TRY(make_dirs(cache_dir, 0700));
  auto temp = SBX_TRY(TempDir::create(cache_dir, ".tmp-"));
  if (::chmod(temp.path().c_str(), 0755) != 0) return fail_errno("chmod", temp.path().native());
  SBX_TRY(make_entries(temp.path(), missing));
  // Another run may have made it meanwhile: theirs is as good as ours.
  if (::rename(temp.path().c_str(), layer.c_str()) == 0)
    (void)temp.release();
  else if (errno != EEXIST && errno != ENOTEMPTY)
    return fail_errno("rename", layer.native());
  return std::optional<fs::path>(layer);
}

}  // namespace sbx::launch
