// The vfs driver: layers stored in overlay form are copied bottom-up into one
// directory, whiteouts (0/0 char devices) deleting and opaque dirs emptying
// what lower layers put there. All writes go through fds opened without
// following symlinks, below the destination.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <utility>

#include "in_root.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/storage.hpp"

namespace sbx::rootfs {

namespace {

namespace fs = std::filesystem;

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool has_opaque_xattr(int dir_fd) {
  char value[4];
  for (const char* name : {"user.overlay.opaque", "trusted.overlay.opaque"}) {
    ssize_t n = ::fgetxattr(dir_fd, name, value, sizeof value);
    if (n == 1 && value[0] == 'y') return true;
  }
  return false;
}

// Copies the xattrs an image may carry (not overlay's own) from fd to fd.
void copy_xattrs(int from, int to) {
  char names[4096];
  ssize_t length = ::flistxattr(from, names, sizeof names);
  for (ssize_t at = 0; length > 0 && at < length;) {
    std::string_view name(names + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    if (name.starts_with("user.overlay.") || name.starts_with("trusted.")) continue;
    char value[4096];
    ssize_t size = ::fgetxattr(from, name.data(), value, sizeof value);
    if (size >= 0) (void)::fsetxattr(to, name.data(), value, static_cast<size_t>(size), 0);
  }
}

class VfsCopier {
 public:
  Status copy_dir(int src, int dst, const std::string& path);

 private:
  Status copy_entry(int src_dir, int dst_dir, const std::string& name, const struct stat& st,
                    const std::string& path);
  Status copy_regular(int src_dir, int dst_dir, const std::string& name, const struct stat& st,
                      const std::string& path);
  // (dev, ino) of a source file -> the destination fd dir path already made
  // from it, so hardlinks within a layer stay hardlinks.
  std::map<std::pair<dev_t, ino_t>, std::pair<UniqueFd, std::string>> links_;
};

Status set_metadata(int dst_dir, const std::string& name, int fd, const struct stat& st,
                    const std::string& path) {
  int rc = fd >= 0 ? ::fchown(fd, st.st_uid, st.st_gid)
                   : ::fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) return fail_errno("lchown", path);
  if (!S_ISLNK(st.st_mode)) {
    rc = fd >= 0 ? ::fchmod(fd, st.st_mode & 07777)
                 : ::fchmodat(dst_dir, name.c_str(), st.st_mode & 07777, 0);
    if (rc != 0) return fail_errno("chmod", path);
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  rc = fd >= 0 ? ::futimens(fd, times)
               : ::utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) return fail_errno("utimensat", path);
  return {};
}

Status VfsCopier::copy_regular(int src_dir, int dst_dir, const std::string& name,
                               const struct stat& st, const std::string& path) {
  auto key = std::make_pair(st.st_dev, st.st_ino);
  if (st.st_nlink > 1) {
    auto it = links_.find(key);
    if (it != links_.end()) {
      auto& [first_dir, first_name] = it->second;
      if (::linkat(first_dir.get(), first_name.c_str(), dst_dir, name.c_str(), 0) == 0) return {};
    }
  }
  UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return fail_errno("open", path);
  UniqueFd out(
      ::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return fail_errno("create", path);
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n =
        ::copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(left), 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
      n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("copy", path);
    }
    if (n == 0) break;
    left -= n;
  }
  SBX_TRY(set_metadata(dst_dir, name, out.get(), st, path));
  copy_xattrs(in.get(), out.get());
  if (st.st_nlink > 1) {
    UniqueFd dir_copy(::fcntl(dst_dir, F_DUPFD_CLOEXEC, 0));
    links_.emplace(key, std::make_pair(std::move(dir_copy), name));
  }
  return {};
}

Status VfsCopier::copy_entry(int src_dir, int dst_dir, const std::string& name,
                             const struct stat& st, const std::string& path) {
  if (S_ISDIR(st.st_mode)) {
    struct stat existing;
    bool is_dir = ::fstatat(dst_dir, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
                  S_ISDIR(existing.st_mode);
    UniqueFd src(::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) return fail_errno("open", path);
    if (!is_dir || has_opaque_xattr(src.get())) SBX_TRY(remove_tree_at(dst_dir, name));
    if (::mkdirat(dst_dir, name.c_str(), 0700) != 0 && errno != EEXIST)
      return fail_errno("mkdir", path);
    UniqueFd dst(::openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) return fail_errno("open", path);
    SBX_TRY(copy_dir(src.get(), dst.get(), path));
    copy_xattrs(src.get(), dst.get());
    return set_metadata(dst_dir, name, dst.get(), st, path);
  }
  SBX_TRY(remove_tree_at(dst_dir, name));
  if (is_whiteout(st)) return {};
  if (S_ISREG(st.st_mode)) return copy_regular(src_dir, dst_dir, name, st, path);
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlinkat(src_dir, name.c_str(), target.data(), target.size());
    if (n < 0) return fail_errno("readlink", path);
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) return fail_errno("symlink", path);
  } else if (::mknodat(dst_dir, name.c_str(), st.st_mode & S_IFMT, st.st_rdev) != 0) {
    return fail_errno("mknod", path);
  }
  return set_metadata(dst_dir, name, -1, st, path);
}

Status VfsCopier::copy_dir(int src, int dst, const std::string& path) {
  std::vector<std::string> names = SBX_TRY_CTX(entry_names_at(src), path.empty() ? "/" : path);
  for (const std::string& name : names) {
    std::string child = path + "/" + name;
    struct stat st;
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("stat", child);
    SBX_TRY(copy_entry(src, dst, name, st, child));
  }
  return {};
}

}  // namespace

Status copy_layers_vfs(const std::vector<fs::path>& lower_dirs_top_first, const fs::path& dest) {
  if (::mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST)
    return fail_errno("mkdir", dest.native());
  UniqueFd dst(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst) return fail_errno("open", dest.native());
  for (auto it = lower_dirs_top_first.rbegin(); it != lower_dirs_top_first.rend(); ++it) {
    UniqueFd src(::open(it->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) return fail_errno("open", it->native());
    VfsCopier copier;  // hardlinks never span layers
    SBX_TRY_CTX(copier.copy_dir(src.get(), dst.get(), ""), "copy layer " + it->native());
  }
  return {};
}

}  // namespace sbx::rootfs
