// Small file-system helpers that return errors with the path and errno.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx {

Result<UniqueFd> open_file(const std::filesystem::path& path, int flags, mode_t mode = 0);
Result<std::string> read_file(const std::filesystem::path& path);
// kDurable: the data reaches the disk before the rename, and the rename before
// this returns (the directory is synced): it survives a power cut.
// kVolatile skips that fsync for files that die with their container anyway
// (per-container /etc files): a crash may then leave an empty file, never a
// torn one, and the run does not wait for the disk (up to 40 ms per file on
// a busy disk).
enum class Durability { kDurable, kVolatile };
// Writes to a temp name beside `path`, fsyncs and renames it into place, so a
// kill at any moment leaves either the old or the new file.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                         mode_t mode = 0644, Durability durability = Durability::kDurable);
Status write_all(int fd, std::string_view data);
// mkdir -p; directories it creates get `mode`.
Status make_dirs(const std::filesystem::path& path, mode_t mode = 0755);
// rm -rf that reports the first failure, never following symlinks. Missing is
// not an error, nor is another process removing the same tree at the same time.
Status remove_tree(const std::filesystem::path& path);
// The same for `name` in the directory `dir_fd`.
Status remove_tree_at(int dir_fd, const std::string& name);
// Names of the entries in a directory (no "." and ".."), via an fd.
Result<std::vector<std::string>> entry_names_at(int dir_fd);
bool path_exists(const std::filesystem::path& path);

// A directory removed with everything in it when this goes out of scope.
class TempDir {
 public:
  // Creates `parent/prefixXXXXXX` (parent defaults to $TMPDIR or /tmp).
  static Result<TempDir> create(const std::filesystem::path& parent = {},
                                std::string_view prefix = "sandbox-");
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // Keeps the directory; the caller owns it now.
  std::filesystem::path release() { return std::exchange(path_, {}); }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// An flock(2) held until destruction.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Opens (creating) `path` and blocks until the lock is held.
  static Result<FileLock> acquire(const std::filesystem::path& path, Mode mode);
  // As acquire, but returns std::nullopt-like empty lock (holds() false) when busy.
  static Result<FileLock> try_acquire(const std::filesystem::path& path, Mode mode);
  FileLock() = default;
  bool holds() const { return static_cast<bool>(fd_); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace sbx
