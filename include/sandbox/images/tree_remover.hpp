// Removing trees that hold files owned by subordinate ids (unpacked layers,
// container upper dirs): the user cannot delete those directly, root of a
// user namespace with the same maps can.
#pragma once

#include "sandbox/store/store.hpp"

namespace sbx::images {

// Deletes trees, entering the user namespace only when files owned by
// subordinate ids are in the way. Single-threaded callers only.
store::TreeRemover userns_tree_remover();

}  // namespace sbx::images
