// Reaching a container's root for `cp`: running (its PID 1's root) or
// stopped (mounted in the worker's own mount namespace, gone with it).
#include "container_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include "container_layers.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/rootfs/root_path.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::containers {

namespace fs = std::filesystem;

namespace {

Result<rootfs::StorageDriver> container_driver(const store::Store& store,
                                               const ContainerInfo& info) {
  if (!info.storage_driver.empty()) return rootfs::parse_storage_driver(info.storage_driver);
  return rootfs::probe_storage_driver(store.root());
}

// The root of a running container's PID 1, checked to be that process
// (pid reuse) after it was opened; an empty fd when it is not running (its
// files are then never mounted a second time while it runs: an error).
Result<UniqueFd> open_running_root(const ContainerInfo& info) {
  if (info.status != ContainerStatus::kRunning || !info.runtime) return UniqueFd();
  std::string path = "/proc/" + std::to_string(info.runtime->pid) + "/root";
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  int err = errno;
  if (!process_alive(info.runtime->pid, info.runtime->pid_start_time)) return UniqueFd();
  if (!fd) return fail_errno("open the running container's root", path, err);
  return fd;
}

}  // namespace

Result<ContainerRoot> ContainerRoot::open(const store::Store& store, std::string_view container) {
  Containers containers = SBX_TRY(Containers::open(store.root()));
  std::string id = SBX_TRY(containers.resolve(container));
  ContainerRoot root;
  root.lock_ = SBX_TRY(containers.lock(id));
  ContainerInfo info = SBX_TRY(containers.info(id));
  root.name_ = info.name;
  std::vector<std::string> warnings;
  auto mode = info.spec.keep_id ? userns::Mode::kKeepId : userns::Mode::kDefault;
  root.maps_ = SBX_TRY(userns::id_maps_for_current_user(mode, warnings));
  root.proc_root_ = SBX_TRY(open_running_root(info));
  if (root.proc_root_) {
    root.lock_ = FileLock();  // a long copy must not hold up stop or rm
    return root;
  }
  for (const MountRequest& mount : info.spec.mounts)
    root.mounts_.push_back(rootfs::clean_root_path(mount.destination));
  root.gc_lock_ = SBX_TRY(store.lock_gc_shared());
  std::vector<fs::path> layers = SBX_TRY(container_layers(store, info));
  if (layers.size() == 1 && layers.front() == info.store_dir / "rootfs") {
    root.root_dir_ = layers.front();
    return root;
  }
  SBX_TRY(make_dirs(store.root() / "tmp", 0700));
  root.mount_point_ = SBX_TRY(TempDir::create(store.root() / "tmp", "cp-"));
  std::vector<fs::path> lowers(layers.begin() + 1, layers.end());
  auto layout =
      SBX_TRY(rootfs::make_container_layout(info.store_dir, root.mount_point_->path(), lowers));
  switch (SBX_TRY(container_driver(store, info))) {
    case rootfs::StorageDriver::kFuseOverlayfs:
      root.mount_ = SBX_TRY(rootfs::prepare_fuse_overlay_mount(layout));
      break;
    default:
      root.mount_ = SBX_TRY(rootfs::prepare_overlay_mount(layout));
      break;
  }
  return root;
}

Status ContainerRoot::check_reachable(std::string_view path) const {
  std::string clean = rootfs::clean_root_path(path);
  for (const std::string& mount : mounts_) {
    if (clean == mount || clean.starts_with(mount + "/") || mount.empty())
      return fail(Error("/" + clean + " is on a mount of the stopped container " + name_ + " (/" +
                            mount + "), which is not mounted while it is stopped",
                        EBUSY)
                      .with_hint("start it (sandbox start " + name_ + ") and copy again"));
  }
  return {};
}

Result<std::vector<std::string>> ContainerRoot::run(const Body& body) const {
  auto in_worker = [&](std::vector<std::string>& warnings) -> Status {
    if (proc_root_) return body(proc_root_.get(), warnings);
    if (!mount_) {
      UniqueFd fd = SBX_TRY(open_file(root_dir_, O_PATH | O_DIRECTORY | O_CLOEXEC));
      return body(fd.get(), warnings);
    }
    if (int err = rootfs::mount_prepared(*mount_); err != 0)
      return fail_errno("mount the container's file system", mount_->target, err);
    Status done = [&]() -> Status {
      UniqueFd fd = SBX_TRY(open_file(mount_->target, O_PATH | O_DIRECTORY | O_CLOEXEC));
      return body(fd.get(), warnings);
    }();
    // fuse-overlayfs lives in this mount namespace: unmounting ends it.
    (void)::umount2(mount_->target.c_str(), MNT_DETACH);
    return done;
  };
  auto outcome = SBX_TRY(userns::run_in_user_namespace(maps_, in_worker));
  return outcome.warnings;
}

}  // namespace sbx::containers
