// Path operations confined to a directory: every lookup goes through
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from an O_PATH fd of the
// root, so "..", absolute paths and symlinks (absolute or relative) resolve as
// if the root were "/" and can never leave it. Private to rootfs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::rootfs {

// openat2 within `root_fd`; "" opens the root itself. Returns the fd or -errno.
int open_in_root_raw(int root_fd, const std::string& path, int flags);
// As above with an error naming `path` (relative to the root).
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags);

// Opens the directory `dir` (an O_PATH fd usable as *at() dirfd), creating
// missing components with mode 0755 as tar does. A component that exists but
// is not a directory (or a symlink to nothing) is an error.
Result<UniqueFd> open_or_make_dir(int root_fd, const std::string& dir);

// Splits a cleaned relative path "a/b/c" into {"a/b", "c"}.
std::pair<std::string, std::string> split_parent(const std::string& path);

}  // namespace sbx::rootfs
