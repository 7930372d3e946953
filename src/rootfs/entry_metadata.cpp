#include "entry_metadata.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

namespace sbx::rootfs {

namespace {

bool xattr_allowed(std::string_view name) {
  if (name.starts_with("user.overlay.")) return false;
  return name.starts_with("user.") || name == "security.capability";
}

// pax archives may carry an xattr twice (SCHILY and LIBARCHIVE keywords).
void warn_once(std::vector<std::string>& warnings, std::string warning) {
  if (warnings.empty() || warnings.back() != warning) warnings.push_back(std::move(warning));
}

timespec entry_time(bool is_set, time_t seconds, long nanoseconds) {
  if (!is_set) return timespec{0, UTIME_OMIT};
  return timespec{seconds, nanoseconds};
}

}  // namespace

Status apply_owner(int dir_fd, const std::string& name, int fd, archive_entry* entry,
                   const MetadataOptions& options, const std::string& what) {
  la_int64_t uid = archive_entry_uid(entry);
  la_int64_t gid = archive_entry_gid(entry);
  if (uid < 0 || gid < 0 || uid > 0xfffffffe || gid > 0xfffffffe)
    return fail(what + ": invalid owner " + std::to_string(uid) + ":" + std::to_string(gid),
                EINVAL);
  int rc = fd >= 0 ? ::fchown(fd, static_cast<uid_t>(uid), static_cast<gid_t>(gid))
                   : ::fchownat(dir_fd, name.c_str(), static_cast<uid_t>(uid),
                                static_cast<gid_t>(gid), AT_SYMLINK_NOFOLLOW);
  if (rc != 0 && !options.ignore_ownership) {
    return fail_errno("lchown", what + " to " + std::to_string(uid) + ":" + std::to_string(gid));
  }
  return {};
}

Status apply_mode(int dir_fd, const std::string& name, int fd, mode_t mode,
                  const std::string& what) {
  mode &= 07777;
  int rc = fd >= 0 ? ::fchmod(fd, mode) : ::fchmodat(dir_fd, name.c_str(), mode, 0);
  if (rc != 0) return fail_errno("chmod", what);
  return {};
}

void apply_xattrs(int fd, archive_entry* entry, const std::string& what,
                  std::vector<std::string>& warnings) {
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  archive_entry_xattr_reset(entry);
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view key = name ? name : "";
    if (key.empty()) continue;
    if (!xattr_allowed(key)) {
      if (key.starts_with("trusted.overlay.") || key.starts_with("user.overlay."))
        warn_once(warnings, what + ": ignored the image's overlay xattr " + std::string(key));
      continue;
    }
    if (::fsetxattr(fd, name, value, size, 0) != 0) {
      warn_once(warnings,
                what + ": could not set xattr " + std::string(key) + ": " + std::strerror(errno));
    }
  }
}

Status apply_times(int dir_fd, const std::string& name, int fd, archive_entry* entry,
                   const std::string& what) {
  timespec times[2];
  times[1] = entry_time(archive_entry_mtime_is_set(entry), archive_entry_mtime(entry),
                        archive_entry_mtime_nsec(entry));
  times[0] = archive_entry_atime_is_set(entry)
                 ? entry_time(true, archive_entry_atime(entry), archive_entry_atime_nsec(entry))
                 : times[1];
  int rc = fd >= 0 ? ::futimens(fd, times)
                   : ::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) return fail_errno("utimensat", what);
  return {};
}

}  // namespace sbx::rootfs
