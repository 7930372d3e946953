// Store-wide upkeep that must know about containers: an image a container
// uses stays, and dirs that killed runs left are collected first.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/store/check.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {

// `rmi` and `image prune` with the user-namespace remover.
Result<store::RemoveResult> remove_image(const store::Store& store, std::string_view text,
                                         bool force);
Result<store::PruneResult> prune_images(const store::Store& store, bool all);

// `system check`, the store's part: store::check_records, then the layers'
// files (images::check_layers), then the container dirs that killed runs
// left. Changes nothing.
Result<store::StoreCheck> check_store(const store::Store& store, bool full,
                                      const std::function<void(const std::string&)>& progress);

// `system check --repair`: removes what `check` found damaged or left over, so
// that the next pull restores it.
Status repair_store(const store::Store& store, const store::StoreCheck& check);

// `system reset`: removes the store's containers (running ones are killed, as
// `rm -f`), then the whole store at `root` (entering the user namespace for
// files owned by subordinate ids). A missing root is no error.
Status reset_store(const std::filesystem::path& root);

}  // namespace sbx::containers
