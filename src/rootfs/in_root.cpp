#include "in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sbx::rootfs {

int open_in_root_raw(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* name = path.empty() ? "." : path.c_str();
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd, name, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry.
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags) {
  int fd = open_in_root_raw(root_fd, path, flags);
  if (fd < 0) {
    if (-fd == ENOSYS)
      return fail("openat2: not supported by this kernel (Linux 5.6 or newer is needed)", ENOSYS);
    return fail_errno("openat2", path.empty() ? "." : path, -fd);
  }
  return UniqueFd(fd);
}

std::pair<std::string, std::string> split_parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {std::string(), path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

Result<UniqueFd> open_or_make_dir(int root_fd, const std::string& dir) {
  constexpr int kFlags = O_PATH | O_DIRECTORY;
  int fd = open_in_root_raw(root_fd, dir, kFlags);
  if (fd >= 0) return UniqueFd(fd);
  if (fd != -ENOENT) return open_in_root(root_fd, dir, kFlags);
  // Walk down from the root, creating what is missing. Each prefix is resolved
  // again from the root so symlinks stay confined.
  UniqueFd current = SBX_TRY(open_in_root(root_fd, "", kFlags));
  size_t start = 0;
  while (start < dir.size()) {
    size_t end = dir.find('/', start);
    if (end == std::string::npos) end = dir.size();
    std::string prefix = dir.substr(0, end);
    std::string component = dir.substr(start, end - start);
    start = end + 1;
    int next = open_in_root_raw(root_fd, prefix, kFlags);
    if (next == -ENOENT) {
      if (::mkdirat(current.get(), component.c_str(), 0755) != 0) {
        if (errno == EEXIST) {
          return fail(prefix +
                          " is a symlink to a directory missing from the layer "
                          "(or pointing outside it)",
                      ENOTDIR);
        }
        return fail_errno("mkdir", prefix);
      }
      next = open_in_root_raw(root_fd, prefix, kFlags);
    }
    if (next < 0) return fail_errno("openat2", prefix, -next);
    current.reset(next);
  }
  return current;
}

}  // namespace sbx::rootfs
