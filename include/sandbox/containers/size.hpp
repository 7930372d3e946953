// `ps -s`: how much a container writes (its upper dir) and what it sees in
// all (that plus its image's layers), as docker's SizeRw and SizeRootFs.
#pragma once

#include <cstdint>

#include "sandbox/containers/records.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {

struct ContainerSize {
  uint64_t rw = 0;       // bytes of the files in its writable layer
  uint64_t root_fs = 0;  // rw plus its image's layers
};

// Best effort, never an error: files under dirs this user cannot read (made
// in the container with a closed mode) are not counted, nor an image that is
// gone.
ContainerSize container_size(const store::Store& store, const ContainerInfo& info);

}  // namespace sbx::containers
