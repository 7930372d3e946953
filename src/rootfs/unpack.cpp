#include "sandbox/rootfs/unpack.hpp"

namespace sbx::rootfs {

Status unpack_layer(const std::filesystem::path&, const std::filesystem::path&,
                    const UnpackOptions&, std::vector<std::string>&) {
  return fail("unpack_layer: not implemented yet");
}

Result<LayerIdScan> scan_layer_ids(const std::filesystem::path&, const userns::IdMaps&,
                                   std::string_view) {
  return fail("scan_layer_ids: not implemented yet");
}

Status check_free_space(const std::filesystem::path&, uint64_t, std::string_view) { return {}; }

}  // namespace sbx::rootfs
