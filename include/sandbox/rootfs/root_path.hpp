// Paths inside a container's root (`cp`), resolved there and never on the
// host: every lookup is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from
// the root's fd, and a symlink followed by hand is cleaned against that root,
// so absolute and "../.." links land inside it.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::rootfs {

// Lexically cleaned, relative to the root, ".." stopping at the root:
// "/a/../../b/" -> "b", "/" -> "".
std::string clean_root_path(std::string_view path);

struct RootEntry {
  UniqueFd parent;                // O_PATH fd of the directory that holds it
  std::string base;               // its name in `parent` ("." for the root itself)
  std::string path;               // cleaned, relative to the root ("" for the root)
  std::optional<struct stat> st;  // lstat of it; nullopt when it does not exist
};

// `path` in the root `root_fd`. With `follow_final` a symlink as the last
// component is followed (in the root, up to 40 links); without, the link
// itself is the entry. A missing or non-directory parent is an error naming it.
Result<RootEntry> resolve_in_root(int root_fd, std::string_view path, bool follow_final);

// An O_PATH fd of the directory `path` in the root (symlinks followed in it).
Result<UniqueFd> open_dir_in_root(int root_fd, std::string_view path);

}  // namespace sbx::rootfs
