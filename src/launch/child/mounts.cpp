// The child's mount steps. Every destination resolves inside the rootfs only
// (openat2 RESOLVE_IN_ROOT): an image symlink can never send a mount to a host
// path. Mounts land on the resolved fd (via /proc/self/fd/N or move_mount).
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "child/child.hpp"

namespace sbx::launch::detail {
namespace {

// Closes an fd at scope exit; no allocation.
struct FdGuard {
  Kernel& kernel;
  int fd;
  ~FdGuard() {
    if (fd >= 0) kernel.close(fd);
  }
};

// Opens `path` under the rootfs, creating missing directories (and the last
// component as an empty file when `file`). Returns an O_PATH fd or -1.
int ensure_in_root(Kernel& kernel, int root_fd, const char* path, bool file) noexcept {
  int fd = kernel.open_in_root(root_fd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT) return fd;
  char buf[PATH_MAX];
  if (std::snprintf(buf, sizeof buf, "%s", path) >= static_cast<int>(sizeof buf)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int dir = kernel.dup_cloexec(root_fd);
  char* p = buf;
  while (dir >= 0) {
    while (*p == '/') ++p;
    if (*p == '\0') return dir;
    char* slash = std::strchr(p, '/');
    if (slash) *slash = '\0';
    bool last = !slash || slash[1] == '\0';
    int next = kernel.open_in_root(root_fd, buf, O_PATH);
    if (next < 0 && errno == ENOENT) {
      int rc = (last && file)
                   ? kernel.openat(dir, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0644)
                   : kernel.mkdirat(dir, p, 0755);
      if (rc >= 0 && last && file) kernel.close(rc);
      next = rc < 0 && errno != EEXIST ? -1 : kernel.open_in_root(root_fd, buf, O_PATH);
    }
    int saved = errno;
    kernel.close(dir);
    errno = saved;
    dir = next;
    if (!slash) break;
    *slash = '/';
    p = slash + 1;
  }
  return dir;
}

void fd_path(char (&out)[32], int fd) noexcept {
  std::snprintf(out, sizeof out, "/proc/self/fd/%d", fd);
}

uint64_t mount_attrs(unsigned long flags) noexcept {
  uint64_t a = 0;
  if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

// Moves a detached mount `tree` onto m.destination inside the rootfs (made,
// as a file when `file`, if missing).
bool move_tree_into_root(ChildContext& ctx, int tree, const PlanMount& m, bool file) noexcept {
  FdGuard target{*ctx.kernel,
                 ensure_in_root(*ctx.kernel, ctx.root_fd, m.destination.c_str(), file)};
  if (target.fd < 0) return child_fail(ctx, "openat2", m.destination.c_str(), errno);
  if (ctx.kernel->move_mount(tree, "", target.fd, "",
                             MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return child_fail(ctx, "move_mount", m.destination.c_str(), errno);
  return true;
}

// Binds host `source` onto the rootfs path: clone the tree, set its flags, move it.
bool bind_into_root(ChildContext& ctx, const PlanMount& m) noexcept {
  unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.recursive ? AT_RECURSIVE : 0);
  FdGuard tree{*ctx.kernel, ctx.kernel->open_tree(AT_FDCWD, m.source.c_str(), tree_flags)};
  if (tree.fd < 0) return child_fail(ctx, "open_tree", m.source.c_str(), errno);
  struct stat st;
  if (ctx.kernel->fstat(tree.fd, &st) < 0) return child_fail(ctx, "fstat", m.source.c_str(), errno);
  if (uint64_t attrs = mount_attrs(m.flags)) {
    unsigned at = AT_EMPTY_PATH | (m.flags_recursive ? AT_RECURSIVE : 0);
    if (ctx.kernel->mount_setattr(tree.fd, "", at, attrs) < 0)
      return child_fail(ctx, "mount_setattr", m.destination.c_str(), errno);
  }
  if (m.read_only_recursive &&
      ctx.kernel->mount_setattr(tree.fd, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY) < 0)
    return child_fail(ctx, "mount_setattr", m.destination.c_str(), errno);
  return move_tree_into_root(ctx, tree.fd, m, !S_ISDIR(st.st_mode));
}

// kSharedShmMount: the tree open_shared_shm cloned, moved onto the rootfs path.
bool move_shared_shm_into_root(ChildContext& ctx, const PlanMount& m) noexcept {
  FdGuard tree{*ctx.kernel, ctx.shared_shm_tree};
  ctx.shared_shm_tree = -1;
  if (tree.fd < 0) return child_fail(ctx, "open_tree", m.source.c_str(), EBADF);
  return move_tree_into_root(ctx, tree.fd, m, false);
}

// The joined network namespace's sysfs, made by the joiner (ctx.sysfs_fd).
bool move_joined_sysfs_into_root(ChildContext& ctx, const PlanMount& m) noexcept {
  if (ctx.sysfs_fd < 0) return child_fail(ctx, "move_mount", m.destination.c_str(), EBADF);
  return move_tree_into_root(ctx, ctx.sysfs_fd, m, false);
}

bool mount_fs_into_root(ChildContext& ctx, const PlanMount& m) noexcept {
  FdGuard target{*ctx.kernel,
                 ensure_in_root(*ctx.kernel, ctx.root_fd, m.destination.c_str(), false)};
  if (target.fd < 0) return child_fail(ctx, "openat2", m.destination.c_str(), errno);
  char path[32];
  fd_path(path, target.fd);
  const char* data = m.data.empty() ? nullptr : m.data.c_str();
  if (ctx.kernel->mount(m.source.c_str(), path, m.type.c_str(), m.flags, data) < 0)
    return child_fail(ctx, "mount", m.destination.c_str(), errno);
  return true;
}

}  // namespace

bool mount_rootfs(ChildContext& ctx) noexcept {
  const RootfsPlan& root = ctx.plan->root;
  const char* path = root.path.c_str();
  if (int err = ctx.kernel->mount_rootfs(root.mount)) return child_fail(ctx, "mount", path, err);
  ctx.root_fd = ctx.kernel->open(path, O_PATH | O_DIRECTORY);
  if (ctx.root_fd < 0) return child_fail(ctx, "open", path, errno);
  return true;
}

// --ipc container:NAME: that container's /dev/shm. A tree of another mount
// namespace cannot be cloned from ours, so the child enters that one (as root
// of the user namespace that owns both), clones it and comes back; its root
// and working directory are its own namespace's again, before the rootfs.
bool open_shared_shm(ChildContext& ctx) noexcept {
  if (ctx.shm_mntns_fd < 0) return true;
  FdGuard own{*ctx.kernel, ctx.kernel->open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)};
  if (own.fd < 0) return child_fail(ctx, "open", "/proc/self/ns/mnt", errno);
  if (ctx.kernel->setns(ctx.shm_mntns_fd, CLONE_NEWNS) < 0)
    return child_fail(ctx, "setns", "the shared IPC namespace's mount namespace", errno);
  ctx.shared_shm_tree =
      ctx.kernel->open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  int saved = errno;
  if (ctx.kernel->setns(own.fd, CLONE_NEWNS) < 0)
    return child_fail(ctx, "setns", "the container's mount namespace", errno);
  if (ctx.shared_shm_tree < 0)
    return child_fail(ctx, "open_tree", "/dev/shm of the shared IPC namespace", saved);
  return true;
}

bool mount_plan_mounts(ChildContext& ctx) noexcept {
  for (const PlanMount& m : ctx.plan->mounts) {
    bool ok = m.type == "bind"            ? bind_into_root(ctx, m)
              : m.type == "sysfs-joined"  ? move_joined_sysfs_into_root(ctx, m)
              : m.type == kSharedShmMount ? move_shared_shm_into_root(ctx, m)
                                          : mount_fs_into_root(ctx, m);
    if (!ok) return false;
  }
  return true;
}

bool make_dev_symlinks(ChildContext& ctx) noexcept {
  for (const auto& [link, target] : ctx.plan->dev_symlinks) {
    const char* name = std::strrchr(link.c_str(), '/');
    char dir[PATH_MAX];
    std::snprintf(dir, sizeof dir, "%.*s", static_cast<int>(name - link.c_str()), link.c_str());
    FdGuard dir_fd{*ctx.kernel, ctx.kernel->open_in_root(ctx.root_fd, dir, O_PATH | O_DIRECTORY)};
    if (dir_fd.fd < 0) return child_fail(ctx, "openat2", dir, errno);
    if (ctx.kernel->symlinkat(target.c_str(), dir_fd.fd, name + 1) < 0 && errno != EEXIST)
      return child_fail(ctx, "symlinkat", link.c_str(), errno);
  }
  return true;
}

bool make_mounts_read_only_late(ChildContext& ctx) noexcept {
  for (const PlanMount& m : ctx.plan->mounts) {
    if (!m.read_only_late) continue;
    FdGuard fd{*ctx.kernel, ctx.kernel->open_in_root(ctx.root_fd, m.destination.c_str(), O_PATH)};
    if (fd.fd < 0) return child_fail(ctx, "openat2", m.destination.c_str(), errno);
    if (ctx.kernel->mount_setattr(fd.fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY) < 0)
      return child_fail(ctx, "mount_setattr", m.destination.c_str(), errno);
  }
  return true;
}

bool make_workdir(ChildContext& ctx) noexcept {
  FdGuard fd{*ctx.kernel,
             ensure_in_root(*ctx.kernel, ctx.root_fd, ctx.plan->process.cwd.c_str(), false)};
  if (fd.fd < 0) return child_fail(ctx, "openat2", ctx.plan->process.cwd.c_str(), errno);
  return true;
}

bool pivot_into_rootfs(ChildContext& ctx) noexcept {
  if (ctx.kernel->fchdir(ctx.root_fd) < 0)
    return child_fail(ctx, "fchdir", ctx.plan->root.path.c_str(), errno);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching
  // it leaves no host path reachable.
  if (ctx.kernel->pivot_root(".", ".") < 0) return child_fail(ctx, "pivot_root", ".", errno);
  if (ctx.kernel->umount2(".", MNT_DETACH) < 0)
    return child_fail(ctx, "umount2", "old root", errno);
  if (ctx.kernel->chdir("/") < 0) return child_fail(ctx, "chdir", "/", errno);
  ctx.kernel->close(ctx.root_fd);
  ctx.root_fd = -1;
  return true;
}

bool mask_paths(ChildContext& ctx) noexcept {
  for (const auto& path : ctx.plan->masked_paths) {
    FdGuard fd{*ctx.kernel, ctx.kernel->open(path.c_str(), O_PATH | O_NOFOLLOW)};
    if (fd.fd < 0) {
      if (errno == ENOENT) continue;
      return child_fail(ctx, "open", path.c_str(), errno);
    }
    struct stat st;
    if (ctx.kernel->fstat(fd.fd, &st) < 0) return child_fail(ctx, "fstat", path.c_str(), errno);
    int rc = S_ISDIR(st.st_mode)
                 ? ctx.kernel->mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=0k")
                 : ctx.kernel->mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc < 0) return child_fail(ctx, "mount", path.c_str(), errno);
  }
  return true;
}

bool make_paths_read_only(ChildContext& ctx) noexcept {
  for (const auto& path : ctx.plan->readonly_paths) {
    FdGuard tree{*ctx.kernel,
                 ctx.kernel->open_tree(AT_FDCWD, path.c_str(),
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)};
    if (tree.fd < 0) {
      if (errno == ENOENT) continue;
      return child_fail(ctx, "open_tree", path.c_str(), errno);
    }
    constexpr uint64_t kReadOnly =
        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    if (ctx.kernel->mount_setattr(tree.fd, "", AT_EMPTY_PATH | AT_RECURSIVE, kReadOnly) < 0)
      return child_fail(ctx, "mount_setattr", path.c_str(), errno);
    if (ctx.kernel->move_mount(tree.fd, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
      return child_fail(ctx, "move_mount", path.c_str(), errno);
  }
  return true;
}

// /proc/sys is the container's own procfs here (after pivot_root): only the
// namespaced sysctls of its namespaces are writable.
bool write_sysctls(ChildContext& ctx) noexcept {
  for (const auto& [path, value] : ctx.plan->sysctls) {
    FdGuard fd{*ctx.kernel, ctx.kernel->open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (fd.fd < 0) return child_fail(ctx, "open", path.c_str(), errno);
    if (ctx.kernel->write(fd.fd, value.data(), value.size()) < 0)
      return child_fail(ctx, "write", path.c_str(), errno);
  }
  return true;
}

bool make_rootfs_read_only(ChildContext& ctx) noexcept {
  if (!ctx.plan->root.read_only) return true;
  FdGuard root{*ctx.kernel, ctx.kernel->open("/", O_PATH | O_DIRECTORY)};
  if (root.fd < 0 || ctx.kernel->mount_setattr(root.fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY) < 0)
    return child_fail(ctx, "mount_setattr", "/", errno);
  return true;
}

}  // namespace sbx::launch::detail
