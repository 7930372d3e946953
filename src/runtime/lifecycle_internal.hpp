// Shared by the lifecycle_*.cpp files.
#pragma once

#include <filesystem>

#include "sandbox/base/error.hpp"
#include "sandbox/runtime/images.hpp"

namespace sbx::runtime {

// Removes a container's store dir, entering the user namespace for files
// owned by subordinate ids.
inline Status remove_container_tree(const std::filesystem::path& dir) {
  return userns_tree_remover()({dir});
}

}  // namespace sbx::runtime
