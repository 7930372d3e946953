// Files of the build context chosen by COPY / ADD sources, read without ever
// leaving the context: a source path resolves with openat2(RESOLVE_IN_ROOT)
// (a symlink to /etc means <context>/etc), and what is inside a copied
// directory is taken as it is (a symlink is copied as a symlink).
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/images/build_context.hpp"

namespace sbx::build {

struct ContextEntry {
  std::string name;               // in the layer: "app/src/main.c"
  std::shared_ptr<UniqueFd> dir;  // its directory (an fd we can read through)
  std::string base;               // its name there
  struct stat st {};              // lstat, owner and mode as they go in the layer
  std::string data;               // a heredoc's bytes (dir is null)
  bool keep_owner = false;        // from a tar ADD unpacked: its owners stay (unless --chown)
};

struct CopySource {
  std::string path;  // as written, relative to the context
};

// Where `sources` go under `dest` (absolute, cleaned, without the leading
// '/'; `dest_is_dir` when it ends in '/' or there are several sources).
// Errors name a source that is missing or excluded by .dockerignore.
Result<std::vector<ContextEntry>> collect_context_files(int context_fd,
                                                        const images::IgnoreRules& ignore,
                                                        const std::vector<std::string>& sources,
                                                        const std::string& dest, bool dest_is_dir);

// openat2(RESOLVE_IN_ROOT) of `path` inside the context.
Result<UniqueFd> open_in_context(int context_fd, const std::string& path, int flags);

// Whether `head` (a file's first bytes, up to 512) starts a tar archive:
// gzip, zstd, xz or bzip2 magic, or "ustar" at offset 257.
bool looks_like_archive(std::string_view head);

// The regular file `path` inside the context (resolved in it), read whole.
Result<std::string> read_context_file(int context_fd, const std::string& path);

// The context-relative form of a source ("../a/./b" -> "a/b", "/x" -> "x").
std::string clean_in_context(const std::string& path);

}  // namespace sbx::build
