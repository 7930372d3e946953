// Where sandbox keeps its files for the invoking user.
#pragma once

#include <filesystem>

#include "sandbox/base/error.hpp"

namespace sbx {

// $XDG_DATA_HOME/sandbox, else ~/.local/share/sandbox (not created here).
Result<std::filesystem::path> default_store_root();
// "sandbox" in private_runtime_dir() (runtime_dir.hpp), created with mode 0700
// and checked to be ours.
Result<std::filesystem::path> runtime_root();
// The invoking user's home directory ($HOME, else the passwd entry).
Result<std::filesystem::path> home_dir();

}  // namespace sbx
