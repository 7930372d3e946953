// The libarchive functions the layer reader calls, loaded on first use (see
// sandbox/base/lazy_library.hpp): only pull, import and load unpack layers,
// and libarchive brings ~15 libraries (libxml2 with ICU among them).
#include <archive.h>
#include <archive_entry.h>

#include "sandbox/base/lazy_library.hpp"

namespace {

sbx::LazyLibrary& libarchive() {
  static sbx::LazyLibrary library("libarchive.so.13");
  return library;
}

}  // namespace

// A function of one archive or entry pointer, forwarded as is.
#define SBX_ARCHIVE_CALL1(type, name, arg) \
  type name(arg a) { return SBX_LAZY(libarchive(), name)(a); }

extern "C" {

SBX_ARCHIVE_CALL1(time_t, archive_entry_atime, archive_entry*)
SBX_ARCHIVE_CALL1(int, archive_entry_atime_is_set, archive_entry*)
SBX_ARCHIVE_CALL1(long, archive_entry_atime_nsec, archive_entry*)
SBX_ARCHIVE_CALL1(mode_t, archive_entry_filetype, archive_entry*)
SBX_ARCHIVE_CALL1(la_int64_t, archive_entry_gid, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_hardlink, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_hardlink_utf8, archive_entry*)
SBX_ARCHIVE_CALL1(time_t, archive_entry_mtime, archive_entry*)
SBX_ARCHIVE_CALL1(int, archive_entry_mtime_is_set, archive_entry*)
SBX_ARCHIVE_CALL1(long, archive_entry_mtime_nsec, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_pathname, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_pathname_utf8, archive_entry*)
SBX_ARCHIVE_CALL1(mode_t, archive_entry_perm, archive_entry*)
SBX_ARCHIVE_CALL1(dev_t, archive_entry_rdev, archive_entry*)
SBX_ARCHIVE_CALL1(la_int64_t, archive_entry_size, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_symlink, archive_entry*)
SBX_ARCHIVE_CALL1(const char*, archive_entry_symlink_utf8, archive_entry*)
SBX_ARCHIVE_CALL1(la_int64_t, archive_entry_uid, archive_entry*)
SBX_ARCHIVE_CALL1(int, archive_entry_xattr_reset, archive_entry*)
SBX_ARCHIVE_CALL1(int, archive_errno, archive*)
SBX_ARCHIVE_CALL1(const char*, archive_error_string, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_data_skip, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_free, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_filter_bzip2, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_filter_gzip, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_filter_xz, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_filter_zstd, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_format_empty, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_format_gnutar, archive*)
SBX_ARCHIVE_CALL1(int, archive_read_support_format_tar, archive*)

archive* archive_read_new() { return SBX_LAZY(libarchive(), archive_read_new)(); }
int archive_read_open_fd(archive* a, int fd, size_t block_size) {
  return SBX_LAZY(libarchive(), archive_read_open_fd)(a, fd, block_size);
}
int archive_read_next_header(archive* a, archive_entry** entry) {
  return SBX_LAZY(libarchive(), archive_read_next_header)(a, entry);
}
la_ssize_t archive_read_data(archive* a, void* buffer, size_t size) {
  return SBX_LAZY(libarchive(), archive_read_data)(a, buffer, size);
}
int archive_read_data_block(archive* a, const void** buffer, size_t* size, la_int64_t* offset) {
  return SBX_LAZY(libarchive(), archive_read_data_block)(a, buffer, size, offset);
}
int archive_entry_xattr_next(archive_entry* e, const char** name, const void** value,
                             size_t* size) {
  return SBX_LAZY(libarchive(), archive_entry_xattr_next)(e, name, value, size);
}

}  // extern "C"
