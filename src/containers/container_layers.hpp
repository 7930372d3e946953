// The directories a container's file system is made of, shared by export,
// cp and diff. Private to containers.
#pragma once

#include <filesystem>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {

// Top first: the upper dir, then the image's layers; for a vfs container
// only its full copy (<store dir>/rootfs).
Result<std::vector<std::filesystem::path>> container_layers(const store::Store& store,
                                                            const ContainerInfo& info);

}  // namespace sbx::containers
