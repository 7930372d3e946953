// `sandbox export`: the container's file system as it sees it, written as a
// tar. The layers are merged here rather than mounted, so it works for every
// storage driver and for stopped containers: per directory, the topmost
// layer holding a name wins, whiteouts hide the name below, an opaque dir
// hides the lower layers' entries of that dir. Runs in the user namespace.
#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "container_layers.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/commit.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/rootfs/tar_writer.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::containers {

namespace fs = std::filesystem;

namespace {

struct Found {
  size_t layer = 0;  // index into the dir fds, top first
  struct stat st;
  bool hidden = false;  // a whiteout: nothing of this name shows
};

// `dirs` are the fds of one directory in each layer where it shows, top first.
Status export_dir(const std::vector<int>& dirs, const std::string& prefix,
                  rootfs::TarWriter& writer) {
  std::map<std::string, Found> entries;
  for (size_t i = 0; i < dirs.size(); ++i) {
    for (const std::string& name : SBX_TRY(rootfs::sorted_names(dirs[i], prefix))) {
      if (name.starts_with(".wh.")) {  // a whiteout in image form (fuse-overlayfs)
        if (name != ".wh..wh..opq") entries.try_emplace(name.substr(4), Found{i, {}, true});
        continue;
      }
      if (entries.contains(name)) continue;
      Found found{i, {}, false};
      if (::fstatat(dirs[i], name.c_str(), &found.st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail_errno("stat", prefix + name);
      found.hidden = rootfs::is_whiteout(found.st);
      entries.emplace(name, found);
    }
    if (rootfs::is_opaque_dir(dirs[i])) break;
    struct stat marker;
    if (::fstatat(dirs[i], ".wh..wh..opq", &marker, AT_SYMLINK_NOFOLLOW) == 0) break;
  }
  for (const auto& [name, found] : entries) {
    if (found.hidden) continue;
    std::string path = prefix + name;
    SBX_TRY(writer.add_tree_entry(path, dirs[found.layer], name, found.st));
    if (!S_ISDIR(found.st.st_mode)) continue;
    // The same dir in the layers below, down to one where the name is not a dir.
    std::vector<UniqueFd> owned;
    std::vector<int> below;
    for (size_t j = found.layer; j < dirs.size(); ++j) {
      struct stat st;
      if (::fstatat(dirs[j], name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        struct stat marker;
        if (::fstatat(dirs[j], (".wh." + name).c_str(), &marker, AT_SYMLINK_NOFOLLOW) == 0) break;
        continue;
      }
      if (!S_ISDIR(st.st_mode)) break;
      int raw = ::openat(dirs[j], name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (raw < 0) return fail_errno("open", path);
      owned.emplace_back(raw);
      below.push_back(raw);
    }
    SBX_TRY(export_dir(below, path + "/", writer));
  }
  return {};
}

Status export_layers(const std::vector<fs::path>& top_first, int out_fd) {
  std::vector<UniqueFd> owned;
  std::vector<int> dirs;
  for (const fs::path& dir : top_first) {
    owned.push_back(SBX_TRY(open_file(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
    dirs.push_back(owned.back().get());
  }
  rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(out_fd));
  SBX_TRY(export_dir(dirs, "", writer));
  return writer.close();
}

Status export_one(const store::Store& store, std::string_view container, int out_fd) {
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  Containers containers = SBX_TRY(Containers::open(store.root()));
  std::string id = SBX_TRY(containers.resolve(container));
  ContainerInfo info = SBX_TRY(containers.info(id));
  std::vector<fs::path> dirs = SBX_TRY(container_layers(store, info));
  std::vector<std::string> warnings;
  auto mode = info.spec.keep_id ? userns::Mode::kKeepId : userns::Mode::kDefault;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(mode, warnings));
  auto body = [&](std::vector<std::string>&) -> Status { return export_layers(dirs, out_fd); };
  SBX_TRY(userns::run_in_user_namespace(maps, body));
  return {};
}

}  // namespace

Result<std::vector<fs::path>> container_layers(const store::Store& store,
                                               const ContainerInfo& info) {
  // vfs keeps a full copy of the root file system.
  if (path_exists(info.store_dir / "rootfs"))
    return std::vector<fs::path>{info.store_dir / "rootfs"};
  std::vector<fs::path> dirs{info.store_dir / "upper"};
  auto image_id = SBX_TRY(image::Digest::parse(info.image_id));
  store::ImageRecord image = SBX_TRY_CTX(store.image(image_id), "the container's image");
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
    dirs.push_back(store.layer_diff_dir(it->diff_id));
  return dirs;
}

Status export_container(const store::Store& store, std::string_view container, int out_fd) {
  return with_context(export_one(store, container, out_fd), "export " + std::string(container));
}

}  // namespace sbx::containers
