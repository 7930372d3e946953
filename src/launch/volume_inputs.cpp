// The volumes a container mounts, made ready before planning: created on
// first use and, while still empty, filled with what the image has at the
// mount point (docker's copy-up), owned through the container's id map.
#include "volume_inputs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox/base/unique_fd.hpp"
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

}  // namespace

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
