// The layers' part of `sandbox system check`.
#pragma once

#include <functional>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/store/check.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

// Every whole layer in `check` measured in the user namespace against what
// its unpack left; with `full`, also unpacked again from its blob, checked
// against its diff id and compared file by file (`progress` hears of each
// layer). Damage is added to `check`; nothing is changed.
Status check_layers(const store::Store& store, bool full,
                    const std::function<void(const std::string&)>& progress,
                    store::StoreCheck& check);

}  // namespace sbx::images
