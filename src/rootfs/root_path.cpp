// Resolving `cp` paths confined to a container's root (see root_path.hpp).
#include "sandbox/rootfs/root_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "in_root.hpp"

namespace sbx::rootfs {

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's MAXSYMLINKS

}  // namespace

Result<UniqueFd> open_dir_in_root(int root_fd, std::string_view path) {
  std::string clean = clean_root_path(path);
  int fd = open_in_root_raw(root_fd, clean, O_PATH | O_DIRECTORY);
  if (fd >= 0) return UniqueFd(fd);
  if (fd == -ENOENT || fd == -ENOTDIR)
    return fail("/" + clean + ": " + (fd == -ENOENT ? "no such directory" : "not a directory"),
                -fd);
  return fail_errno("openat2", "/" + clean, -fd);
}

Result<RootEntry> resolve_in_root(int root_fd, std::string_view path, bool follow_final) {
  std::string current(path);
  for (int links = 0; links <= kMaxLinks; ++links) {
    RootEntry entry;
    entry.path = clean_root_path(current);
    auto [dir, base] = split_parent(entry.path);
    entry.base = entry.path.empty() ? "." : base;
    entry.parent = SBX_TRY(open_dir_in_root(root_fd, dir));
    struct stat st;
    if (::fstatat(entry.parent.get(), entry.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return fail_errno("stat", "/" + entry.path);
      return entry;
    }
    entry.st = st;
    if (!follow_final || !S_ISLNK(st.st_mode)) return entry;
    std::vector<char> target(static_cast<size_t>(st.st_size) + 4096);
    ssize_t n = ::readlinkat(entry.parent.get(), entry.base.c_str(), target.data(), target.size());
    if (n < 0) return fail_errno("readlink", "/" + entry.path);
    std::string link(target.data(), static_cast<size_t>(n));
    current = link.starts_with('/') ? link : dir + "/" + link;
  }
  return fail("/" + std::string(path) + ": too many levels of symbolic links", ELOOP);
}

}  // namespace sbx::rootfs
