// Where sandbox keeps its files for the invoking user.
#pragma once

#include <filesystem>

#include "sandbox/base/error.hpp"

namespace sbx {

// $XDG_DATA_HOME/sandbox, else ~/.local/share/sandbox (not created here).
Result<std::filesystem::path> default_store_root();
// $XDG_RUNTIME_DIR/sandbox when that dir is owned by us, else a private
// 0700 /tmp/sandbox-run-<uid> (checked to be ours). Created with mode 0700.
Result<std::filesystem::path> runtime_root();
// The invoking user's home directory ($HOME, else the passwd entry).
Result<std::filesystem::path> home_dir();

}  // namespace sbx
