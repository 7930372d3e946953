// Every libarchive function the binary calls (the layer reader, the tar writer
// and the image-archive reader, all in rootfs), loaded on first use (see
// sandbox/base/lazy_library.hpp): only those commands need it, and libarchive
// brings ~15 libraries (libxml2 with ICU among them).
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
// The same with a second argument.
#define SBX_ARCHIVE_CALL2(type, name, arg, arg2) \
  type name(arg a, arg2 b) { return SBX_LAZY(libarchive(), name)(a, b); }

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
int archive_read_open(archive* a, void* data, archive_open_callback* opener,
                      archive_read_callback* reader, archive_close_callback* closer) {
  return SBX_LAZY(libarchive(), archive_read_open)(a, data, opener, reader, closer);
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

// Writing (commit, save, export).
archive_entry* archive_entry_new() { return SBX_LAZY(libarchive(), archive_entry_new)(); }
SBX_ARCHIVE_CALL1(void, archive_entry_free, archive_entry*)
SBX_ARCHIVE_CALL2(void, archive_entry_copy_stat, archive_entry*, const struct stat*)
SBX_ARCHIVE_CALL2(void, archive_entry_set_dev, archive_entry*, dev_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_filetype, archive_entry*, unsigned int)
SBX_ARCHIVE_CALL2(void, archive_entry_set_hardlink, archive_entry*, const char*)
SBX_ARCHIVE_CALL2(void, archive_entry_set_ino, archive_entry*, la_int64_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_nlink, archive_entry*, unsigned int)
SBX_ARCHIVE_CALL2(void, archive_entry_set_pathname, archive_entry*, const char*)
SBX_ARCHIVE_CALL2(void, archive_entry_set_perm, archive_entry*, mode_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_uid, archive_entry*, la_int64_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_gid, archive_entry*, la_int64_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_size, archive_entry*, la_int64_t)
SBX_ARCHIVE_CALL2(void, archive_entry_set_symlink, archive_entry*, const char*)
SBX_ARCHIVE_CALL1(void, archive_entry_unset_atime, archive_entry*)
SBX_ARCHIVE_CALL1(void, archive_entry_unset_birthtime, archive_entry*)
SBX_ARCHIVE_CALL1(void, archive_entry_unset_ctime, archive_entry*)
void archive_entry_xattr_add_entry(archive_entry* e, const char* name, const void* value,
                                   size_t size) {
  SBX_LAZY(libarchive(), archive_entry_xattr_add_entry)(e, name, value, size);
}
SBX_ARCHIVE_CALL1(int, archive_read_support_format_raw, archive*)
int archive_read_open_filename(archive* a, const char* path, size_t block_size) {
  return SBX_LAZY(libarchive(), archive_read_open_filename)(a, path, block_size);
}
archive* archive_write_new() { return SBX_LAZY(libarchive(), archive_write_new)(); }
SBX_ARCHIVE_CALL1(int, archive_write_add_filter_none, archive*)
SBX_ARCHIVE_CALL1(int, archive_write_set_format_pax_restricted, archive*)
SBX_ARCHIVE_CALL2(int, archive_write_set_bytes_in_last_block, archive*, int)
SBX_ARCHIVE_CALL2(int, archive_write_open_fd, archive*, int)
SBX_ARCHIVE_CALL2(int, archive_write_header, archive*, archive_entry*)
la_ssize_t archive_write_data(archive* a, const void* data, size_t size) {
  return SBX_LAZY(libarchive(), archive_write_data)(a, data, size);
}
SBX_ARCHIVE_CALL1(int, archive_write_close, archive*)
SBX_ARCHIVE_CALL1(int, archive_write_free, archive*)

}  // extern "C"
