#include "layer_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "gunzip_stream.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::rootfs {

namespace {

constexpr size_t kReadBlock = 1 << 20;

bool starts_with_gzip_magic(int fd) {
  unsigned char magic[2] = {};
  bool gzip = ::pread(fd, magic, sizeof magic, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  return gzip;
}

// Explicit filters rather than archive_read_support_filter_all: "all" also
// pipes hostile data through external programs (lrzip, lzop, grzip).
void support_filters(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_bzip2(a);
}

}  // namespace

// The inflated stream handed to libarchive block by block, hashed on the way.
struct LayerArchive::Source {
  explicit Source(int fd)
      : gunzip(fd), buffer(std::make_unique_for_overwrite<unsigned char[]>(kReadBlock)) {}
  GunzipStream gunzip;
  // Not zeroed: the inflater fills what is read, and zeroing 1 MiB costs a
  // page fault per 4 KiB for every layer, most of them for nothing.
  std::unique_ptr<unsigned char[]> buffer;
  std::optional<image::Sha256> hash;
  std::optional<Error> failure;  // what the read callback could not say to libarchive

  Result<size_t> read() {
    size_t n = SBX_TRY(gunzip.read(buffer.get(), kReadBlock));
    if (hash) hash->update(buffer.get(), n);
    return n;
  }

  static la_ssize_t read_callback(archive*, void* self, const void** block) {
    auto* source = static_cast<Source*>(self);
    auto n = source->read();
    if (!n) {
      source->failure = std::move(n).error();
      return -1;
    }
    *block = source->buffer.get();
    return static_cast<la_ssize_t>(*n);
  }
};

LayerArchive::LayerArchive(UniqueFd fd, std::string path)
    : fd_(std::move(fd)), archive_(archive_read_new()), path_(std::move(path)) {}
LayerArchive::LayerArchive(LayerArchive&&) noexcept = default;
LayerArchive& LayerArchive::operator=(LayerArchive&&) noexcept = default;
LayerArchive::~LayerArchive() = default;

Result<LayerArchive> LayerArchive::open(const std::filesystem::path& blob, bool hash_stream) {
  UniqueFd fd = SBX_TRY(open_file(blob, O_RDONLY));
  LayerArchive opened(std::move(fd), blob.native());
  archive* a = opened.archive_.get();
  if (!a) return fail("archive_read_new: out of memory", ENOMEM);
  int fd_raw = opened.fd_.get();
  if (starts_with_gzip_magic(fd_raw) && GunzipStream::available()) {
    opened.source_ = std::make_unique<Source>(fd_raw);
    if (hash_stream) opened.source_->hash.emplace();
  } else {
    support_filters(a);
  }
  archive_read_support_format_tar(a);  // ustar and pax
  archive_read_support_format_gnutar(a);
  archive_read_support_format_empty(a);
  int status = opened.source_ ? archive_read_open(a, opened.source_.get(), nullptr,
                                                  &Source::read_callback, nullptr)
                              : archive_read_open_fd(a, fd_raw, kReadBlock);
  if (status != ARCHIVE_OK) return fail(opened.error("open"));
  return opened;
}

Result<std::optional<image::Digest>> LayerArchive::finish_hash() {
  if (!source_ || !source_->hash) return std::optional<image::Digest>();
  for (;;) {
    size_t n = SBX_TRY_CTX(source_->read(), "read layer archive " + path_);
    if (n == 0) break;
  }
  return std::optional<image::Digest>(source_->hash->finish());
}

Error LayerArchive::error(std::string_view verb) const {
  if (source_ && source_->failure)  // the inflater's own words ("gzip: truncated stream")
    return Error(std::string(verb) + " layer archive " + path_ + ": " + source_->failure->message(),
                 source_->failure->errno_value() > 0 ? source_->failure->errno_value() : EIO);
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
