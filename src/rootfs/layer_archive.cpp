#include "layer_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "sandbox/base/files.hpp"

namespace sbx::rootfs {

namespace {

constexpr size_t kReadBlock = 1 << 20;

}  // namespace

Result<LayerArchive> LayerArchive::open(const std::filesystem::path& blob) {
  UniqueFd fd = SBX_TRY(open_file(blob, O_RDONLY));
  std::unique_ptr<archive, Closer> handle(archive_read_new());
  if (!handle) return fail("archive_read_new: out of memory", ENOMEM);
  archive* a = handle.get();
  // Explicit filters rather than archive_read_support_filter_all: "all" also
  // pipes hostile data through external programs (lrzip, lzop, grzip).
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_format_tar(a);  // ustar and pax
  archive_read_support_format_gnutar(a);
  archive_read_support_format_empty(a);
  if (archive_read_open_fd(a, fd.get(), kReadBlock) != ARCHIVE_OK) {
    LayerArchive opened(std::move(fd), std::move(handle), blob.native());
    return fail(opened.error("open"));
  }
  return LayerArchive(std::move(fd), std::move(handle), blob.native());
}

Error LayerArchive::error(std::string_view verb) const {
  const char* message = archive_error_string(archive_.get());
  int err = archive_errno(archive_.get());
  std::string text = std::string(verb) + " layer archive " + path_ + ": " +
                     (message ? message : "unknown libarchive error");
  return Error(std::move(text), err > 0 ? err : EIO);
}

Result<archive_entry*> LayerArchive::next() {
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(archive_.get(), &entry);
  if (status == ARCHIVE_EOF) return nullptr;
  // ARCHIVE_WARN covers e.g. an unknown pax keyword: the entry is usable.
  if (status != ARCHIVE_OK && status != ARCHIVE_WARN) return fail(error("read"));
  return entry;
}

Status LayerArchive::write_data_to(int fd, int64_t size_hint, std::string_view what) {
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  off_t end = 0;
  for (;;) {
    int status = archive_read_data_block(archive_.get(), &block, &size, &offset);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN)
      return fail(std::move(error("read")).context(what));
    const char* data = static_cast<const char*>(block);
    off_t position = static_cast<off_t>(offset);
    while (size > 0) {
      ssize_t n = ::pwrite(fd, data, size, position);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail_errno("write", what);
      }
      data += n;
      size -= static_cast<size_t>(n);
      position += n;
    }
    if (position > end) end = position;
  }
  // Sparse files may end in a hole that no data block covers.
  if (end < size_hint && ::ftruncate(fd, static_cast<off_t>(size_hint)) != 0)
    return fail_errno("ftruncate", what);
  return {};
}

std::string entry_pathname(archive_entry* entry) {
  if (const char* name = archive_entry_pathname(entry)) return name;
  if (const char* name = archive_entry_pathname_utf8(entry)) return name;
  return {};
}

std::string entry_hardlink(archive_entry* entry) {
  if (const char* name = archive_entry_hardlink(entry)) return name;
  if (const char* name = archive_entry_hardlink_utf8(entry)) return name;
  return {};
}

std::string entry_symlink(archive_entry* entry) {
  if (const char* name = archive_entry_symlink(entry)) return name;
  if (const char* name = archive_entry_symlink_utf8(entry)) return name;
  return {};
}

}  // namespace sbx::rootfs
