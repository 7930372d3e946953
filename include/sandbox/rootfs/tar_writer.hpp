// Writing tar streams with libarchive for commit, export and save (the only
// writer of archives). Entries from a directory tree keep owners (as the calling
// process sees them: run inside the user namespace for container files),
// modes, times, the user.* and security.capability xattrs and hardlinks.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::rootfs {

class TarWriter {
 public:
  // A pax tar, uncompressed, written to `fd` (not closed here).
  static Result<TarWriter> open(int fd);
  TarWriter(TarWriter&&) noexcept;
  TarWriter& operator=(TarWriter&&) noexcept;
  ~TarWriter();

  // A regular file (mode 0644) holding `data`.
  Status add_bytes(const std::string& name, std::string_view data);
  // A directory (mode 0755): some readers (skopeo's oci-archive) want the
  // parents of members listed.
  Status add_dir(const std::string& name);
  // A regular file with the contents of a host file (ours: blobs, configs).
  Status add_host_file(const std::string& name, const std::filesystem::path& path);
  // A gzip / zstd blob decompressed on the way, `size` uncompressed bytes.
  Status add_decompressed(const std::string& name, const std::filesystem::path& blob,
                          uint64_t size);
  // The file `base` in `dir_fd` (already lstat'ed into `st`) as `name`;
  // hardlinks to a file written before become hardlink entries.
  Status add_tree_entry(const std::string& name, int dir_fd, const std::string& base,
                        const struct stat& st);
  // An empty regular file: an image whiteout (".wh.NAME", ".wh..wh..opq").
  Status add_marker(const std::string& name, const struct stat& st);
  // Writes the end of the archive.
  Status close();

 private:
  struct State;  // libarchive's writer and the hardlinks seen (tar_writer.cpp)
  explicit TarWriter(std::unique_ptr<State> state);
  Error error(std::string_view what) const;
  Status write_contents(int fd, uint64_t size, const std::string& name);

  std::unique_ptr<State> state_;
};

// The overlay upper dir of a container as an image layer tar: whiteouts
// (char 0/0) become ".wh.NAME", opaque dirs (user.overlay.opaque, the
// trusted. and fuse-overlayfs forms) get ".wh..wh..opq". Run inside the user
// namespace.
Status write_upper_layer(const std::filesystem::path& upper, TarWriter& writer);

// `base` in `dir_fd` (lstat'ed into `st`) and, when it is a directory,
// everything below it, as the entries `name`, `name/...` (`name` "": only
// what is below). Symlinks are written as links, never followed (`cp`).
Status write_tree(TarWriter& writer, int dir_fd, const std::string& base, const struct stat& st,
                  const std::string& name);

// Names in a directory fd, sorted (not "." or "..").
Result<std::vector<std::string>> sorted_names(int dir_fd, const std::string& what);
// Whether the directory `fd` is an overlay opaque dir (any of the forms).
bool is_opaque_dir(int fd);
// A char device 0/0: an overlay whiteout.
inline bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }

}  // namespace sbx::rootfs
