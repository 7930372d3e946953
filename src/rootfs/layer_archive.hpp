// A layer blob opened for reading with libarchive: gzip, zstd, xz, bzip2 or
// plain tar (ustar, pax, GNU), detected from the data. Gzip is inflated by
// GunzipStream (ISA-L) when libisal is there, and libarchive reads the tar
// from it; that path can also hash the uncompressed stream on the way (the
// diff id). Private to rootfs.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::rootfs {

class LayerArchive {
 public:
  // `hash_stream`: feed the uncompressed stream to a sha256 (see finish_hash).
  static Result<LayerArchive> open(const std::filesystem::path& blob, bool hash_stream = false);
  LayerArchive(LayerArchive&&) noexcept;
  LayerArchive& operator=(LayerArchive&&) noexcept;
  ~LayerArchive();

  // The next entry, or nullptr at the end of the archive.
  Result<archive_entry*> next();
  // Copies the current entry's data into `fd` (holes kept as holes) and
  // extends it to `size_hint` (the header size); `what` names the file in errors.
  Status write_data_to(int fd, int64_t size_hint, std::string_view what);
  archive* handle() const { return archive_.get(); }
  // "corrupt archive: <libarchive message>" with the errno libarchive saw.
  Error error(std::string_view verb) const;
  // After next() returned nullptr: reads what is left of the uncompressed
  // stream (the tar's zero blocks and padding count too) and returns its
  // sha256; nullopt when the stream was not hashed (not opened with
  // hash_stream, or read by libarchive's own filters: zstd, xz, no libisal).
  Result<std::optional<image::Digest>> finish_hash();

  struct Source;  // the GunzipStream path (layer_archive.cpp)

 private:
  struct Closer {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  LayerArchive(UniqueFd fd, std::string path);

  UniqueFd fd_;
  std::unique_ptr<Source> source_;  // declared before archive_: freed after it
  std::unique_ptr<archive, Closer> archive_;
  std::string path_;
};

// The entry's name (UTF-8 where the locale cannot convert it); empty if none.
std::string entry_pathname(archive_entry* entry);
std::string entry_hardlink(archive_entry* entry);
std::string entry_symlink(archive_entry* entry);

}  // namespace sbx::rootfs
