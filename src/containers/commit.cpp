// `sandbox commit`, the container's side: its upper dir becomes a layer tar
// (packed inside the user namespace, overlay whiteouts turned into image
// whiteouts) that images::add_layer_to_image records on top of its image. A
// running container is frozen through its cgroup (cgroup.freeze) while its
// files are read, as docker pauses it.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "sandbox/containers/commit.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/images/commit.hpp"
#include "sandbox/rootfs/tar_writer.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::containers {

namespace fs = std::filesystem;

namespace {

// Freezes a cgroup v2 for its lifetime (best effort: without a writable
// cgroup.freeze the container keeps running while it is read).
class CgroupFreeze {
 public:
  explicit CgroupFreeze(const std::string& cgroup) {
    if (cgroup.empty()) return;
    path_ = fs::path(cgroup) / "cgroup.freeze";
    if (!write_file_atomic_plain("1")) {
      path_.clear();
      return;
    }
    wait_frozen(fs::path(cgroup) / "cgroup.events");
  }
  CgroupFreeze(const CgroupFreeze&) = delete;
  CgroupFreeze& operator=(const CgroupFreeze&) = delete;
  ~CgroupFreeze() {
    if (!path_.empty()) (void)write_file_atomic_plain("0");
  }
  bool frozen() const { return !path_.empty(); }

 private:
  bool write_file_atomic_plain(std::string_view value) const {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    return ok;
  }
  static void wait_frozen(const fs::path& events) {
    for (int i = 0; i < 100; ++i) {
      auto text = read_file(events);
      if (!text || text->find("frozen 1") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  fs::path path_;
};

struct Target {
  ContainerInfo info;
  store::ImageRecord parent;
  image::ImageConfig parent_config;
};

Result<Target> find_target(const store::Store& store, std::string_view container) {
  Containers containers = SBX_TRY(Containers::open(store.root()));
  std::string id = SBX_TRY(containers.resolve(container));
  Target target;
  target.info = SBX_TRY(containers.info(id));
  auto image_id = SBX_TRY(image::Digest::parse(target.info.image_id));
  target.parent = SBX_TRY_CTX(store.image(image_id), "the container's image");
  target.parent_config = SBX_TRY(store.image_config(image_id));
  return target;
}

// Packs upper/ into `tar` inside the user namespace (its files belong to
// subordinate ids).
Status pack_upper(const Target& target, const fs::path& tar, bool pause,
                  images::ProgressSink& progress) {
  fs::path upper = target.info.store_dir / "upper";
  if (path_exists(target.info.store_dir / "rootfs") || !path_exists(upper))
    return fail(Error("container " + target.info.id.substr(0, 12) + " has no overlay upper dir")
                    .with_hint("commit needs the overlay or fuse-overlayfs storage driver"));
  std::vector<std::string> warnings;
  auto mode = target.info.spec.keep_id ? userns::Mode::kKeepId : userns::Mode::kDefault;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(mode, warnings));
  for (const std::string& warning : warnings) progress.warning(warning);
  std::optional<CgroupFreeze> freeze;
  if (pause && target.info.status == ContainerStatus::kRunning && target.info.runtime)
    freeze.emplace(target.info.runtime->cgroup_path);
  UniqueFd out = SBX_TRY(open_file(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  auto body = [&](std::vector<std::string>&) -> Status {
    rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(out.get()));
    return rootfs::write_upper_layer(upper, writer);
  };
  SBX_TRY_CTX(userns::run_in_user_namespace(maps, body), "pack the container's changes");
  return {};
}

Result<CommitResult> commit(const store::Store& store, std::string_view container,
                            std::string_view image_name, const CommitOptions& options,
                            images::ProgressSink& progress) {
  std::string canonical;
  if (!image_name.empty()) canonical = SBX_TRY(store::canonical_tag(image_name));
  std::vector<images::ConfigChange> changes;
  for (const std::string& text : options.changes)
    changes.push_back(SBX_TRY(images::parse_config_change(text)));
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  Target target = SBX_TRY(find_target(store, container));
  TempDir staging = SBX_TRY(TempDir::create(store.root() / "tmp", "commit-"));
  images::NewLayer layer;
  layer.tar = staging.path() / "layer.tar";
  SBX_TRY(pack_upper(target, layer.tar, options.pause, progress));
  layer.info = images::CommitInfo{store::format_rfc3339(static_cast<int64_t>(std::time(nullptr))),
                                  options.author, options.message,
                                  options.created_by.empty()
                                      ? "sandbox commit " + target.info.id.substr(0, 12)
                                      : options.created_by};
  layer.changes = std::move(changes);
  image::Digest id = SBX_TRY(images::add_layer_to_image(store, target.parent, target.parent_config,
                                                        layer, canonical, progress));
  return CommitResult{id, canonical};
}

}  // namespace

Result<CommitResult> commit_container(const store::Store& store, std::string_view container,
                                      std::string_view image_name, const CommitOptions& options,
                                      images::ProgressSink& progress) {
  return with_context(commit(store, container, image_name, options, progress),
                      "commit " + std::string(container));
}

}  // namespace sbx::containers
