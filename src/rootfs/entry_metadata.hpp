// Ownership, mode, xattrs and times of one unpacked entry. Private to rootfs.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::rootfs {

struct MetadataOptions {
  bool ignore_ownership = false;
};

// lchown to the entry's uid/gid (fd when >= 0, else name in dir_fd).
Status apply_owner(int dir_fd, const std::string& name, int fd, archive_entry* entry,
                   const MetadataOptions& options, const std::string& what);
// Permission bits including setuid/setgid/sticky (after the chown, which
// clears them). Not for symlinks.
Status apply_mode(int dir_fd, const std::string& name, int fd, mode_t mode,
                  const std::string& what);
// xattrs the image may set (user.*, security.capability), on an open file or
// directory fd. overlay's own xattrs from an image are refused: they would let
// a layer forge whiteouts or redirects. Failures become one warning per name.
void apply_xattrs(int fd, archive_entry* entry, const std::string& what,
                  std::vector<std::string>& warnings);
// mtime (and atime) without following a symlink (fd when >= 0).
Status apply_times(int dir_fd, const std::string& name, int fd, archive_entry* entry,
                   const std::string& what);

}  // namespace sbx::rootfs
