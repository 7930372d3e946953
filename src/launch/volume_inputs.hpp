// The volumes of a container, made ready for its launch plan.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/containers/spec.hpp"
#include "sandbox/containers/volumes.hpp"
#include "sandbox/store/store.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::launch {

// Creates the named volumes `spec` mounts that do not exist yet and fills a
// new (empty) one from the image's dir at its mount point, unless nocopy.
// Returns the store's volumes dir (LaunchInputs::volumes_dir).
Result<std::string> prepare_volumes(const containers::ContainerSpec& spec,
                                    const store::Store& store,
                                    const std::vector<std::filesystem::path>& lowers_top_first,
                                    const userns::IdMaps& maps);

// The upper and work dirs of the spec's :O mounts (N/upper, N/work for its
// Nth mount) under containers/<id>/volume-overlays, made when missing and
// kept across starts; returns that dir (LaunchInputs::volume_overlays_dir).
// Kernel overlayfs only: refused when the rootfs is not mounted with it.
Result<std::string> prepare_volume_overlays(const containers::ContainerSpec& spec,
                                            const std::filesystem::path& container_dir,
                                            const std::string& volumes_dir, bool kernel_overlay);

// :U: gives the sources of those mounts to the container's user (uid, gid in
// the container), recursively, as root of a user namespace with `maps`: the
// files end up owned by that user's host ids. Symlinks are changed, never
// followed, and other file systems mounted below a source are left alone.
Status chown_volume_sources(const containers::ContainerSpec& spec, const std::string& volumes_dir,
                            uint32_t uid, uint32_t gid, const userns::IdMaps& maps);

}  // namespace sbx::launch
