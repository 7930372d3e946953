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

}  // namespace sbx::launch
