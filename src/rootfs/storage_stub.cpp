#include "sandbox/rootfs/storage.hpp"

namespace sbx::rootfs {

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
              "' (expected overlay, fuse-overlayfs or vfs)");
}

Result<RootfsLayout> make_container_layout(const std::filesystem::path&,
                                           std::vector<std::filesystem::path>) {
  return fail("make_container_layout: not implemented yet");
}
Result<PreparedMount> prepare_overlay_mount(const RootfsLayout&) {
  return fail("prepare_overlay_mount: not implemented yet");
}
Result<PreparedMount> prepare_fuse_overlay_mount(const RootfsLayout&) {
  return fail("prepare_fuse_overlay_mount: not implemented yet");
}
Result<PreparedMount> prepare_vfs_mount(const RootfsLayout&, const std::filesystem::path&) {
  return fail("prepare_vfs_mount: not implemented yet");
}
int mount_prepared(const PreparedMount&) noexcept { return ENOSYS; }
Status copy_layers_vfs(const std::vector<std::filesystem::path>&, const std::filesystem::path&) {
  return fail("copy_layers_vfs: not implemented yet");
}
Result<StorageProbe> probe_storage(const std::filesystem::path&, bool) {
  return fail("probe_storage: not implemented yet");
}
Result<StorageDriver> probe_storage_driver(const std::filesystem::path& root) {
  StorageProbe probe = SBX_TRY(probe_storage(root));
  return probe.best;
}
Status check_storage_driver(const StorageProbe&, StorageDriver) { return {}; }

}  // namespace sbx::rootfs
