// A layer blob opened for reading with libarchive: gzip, zstd, xz, bzip2 or
// plain tar (ustar, pax, GNU), detected from the data. Private to rootfs.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::rootfs {

class LayerArchive {
 public:
  static Result<LayerArchive> open(const std::filesystem::path& blob);

  // The next entry, or nullptr at the end of the archive.
  Result<archive_entry*> next();
  // Copies the current entry's data into `fd` (holes kept as holes) and
  // extends it to `size_hint` (the header size); `what` names the file in errors.
  Status write_data_to(int fd, int64_t size_hint, std::string_view what);
  archive* handle() const { return archive_.get(); }
  // "corrupt archive: <libarchive message>" with the errno libarchive saw.
  Error error(std::string_view verb) const;

 private:
  struct Closer {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  LayerArchive(UniqueFd fd, std::unique_ptr<archive, Closer> handle, std::string path)
      : fd_(std::move(fd)), archive_(std::move(handle)), path_(std::move(path)) {}

  UniqueFd fd_;
  std::unique_ptr<archive, Closer> archive_;
  std::string path_;
};

// The entry's name (UTF-8 where the locale cannot convert it); empty if none.
std::string entry_pathname(archive_entry* entry);
std::string entry_hardlink(archive_entry* entry);
std::string entry_symlink(archive_entry* entry);

}  // namespace sbx::rootfs
