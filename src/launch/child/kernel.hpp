// The kernel calls of the child steps (child.hpp), behind one interface: the
// child runs with linux_kernel(); unit tests run the same steps against a
// recording fake and check their order without namespaces or privileges
// (tests/unit/launch/child_steps_test.cpp). Each call returns what its libc
// call returns and sets errno as it does, except where noted. noexcept and
// allocation-free: they run between clone() and execve().
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "sandbox/rootfs/storage.hpp"
#include "sandbox/security/policy.hpp"

namespace sbx::launch::detail {

class Kernel : public security::SecurityCalls {
 public:
  // Processes and credentials.
  virtual int close_fds_on_exec(unsigned first) noexcept = 0;  // close_range(CLOEXEC)
  virtual int reset_signals() noexcept = 0;  // every handler default, nothing blocked
  virtual int prctl(int option, unsigned long arg) noexcept = 0;
  virtual int setresuid(uid_t uid) noexcept = 0;  // real, effective and saved alike
  virtual int setresgid(gid_t gid) noexcept = 0;
  virtual int setgroups(size_t count, const gid_t* gids) noexcept = 0;
  virtual int join_session_keyring() noexcept = 0;  // keyctl(KEYCTL_JOIN_SESSION_KEYRING)
  virtual int setns(int fd, int nstype) noexcept = 0;
  virtual int unshare(int flags) noexcept = 0;
  virtual int setsid() noexcept = 0;
  virtual void umask(mode_t mask) noexcept = 0;
  virtual int sethostname(const char* name, size_t length) noexcept = 0;
  virtual int personality(unsigned long persona) noexcept = 0;  // the old persona, or -1
  virtual int bring_up_loopback() noexcept = 0;                 // SIOCSIFFLAGS IFF_UP on "lo"
  // Returns only on failure (the fake returns 0: "it would have run").
  virtual int execveat(int fd, char* const* argv, char* const* envp) noexcept = 0;
  virtual pid_t getpid() noexcept = 0;
  // Runs `path` as a child with `input` on its stdin and waits for it: its
  // wait status, or -1 with errno (ETIMEDOUT: killed after timeout_seconds;
  // 0 waits as long as it takes).
  virtual int run_program(const char* path, char* const* argv, char* const* envp,
                          const struct iovec* input, int input_count,
                          int timeout_seconds) noexcept = 0;

  // Files and descriptors.
  virtual int open(const char* path, int flags) noexcept = 0;
  // openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): `path` resolves as if
  // root_fd were "/", so no image symlink can lead out of the rootfs.
  virtual int open_in_root(int root_fd, const char* path, int flags) noexcept = 0;
  virtual int openat(int dir_fd, const char* name, int flags, mode_t mode) noexcept = 0;
  virtual int mkdirat(int dir_fd, const char* name, mode_t mode) noexcept = 0;
  virtual int symlinkat(const char* target, int dir_fd, const char* name) noexcept = 0;
  virtual int fstat(int fd, struct stat* st) noexcept = 0;
  virtual int fchown(int fd, uid_t uid, gid_t gid) noexcept = 0;
  virtual int dup_cloexec(int fd) noexcept = 0;
  virtual int dup2(int fd, int target) noexcept = 0;
  virtual int keep_open_on_exec(int fd) noexcept = 0;  // fcntl(F_SETFD, 0)
  virtual ssize_t read(int fd, void* buffer, size_t size) noexcept = 0;
  virtual ssize_t write(int fd, const void* buffer, size_t size) noexcept = 0;
  virtual int faccessat(int dir_fd, const char* path, int mode, int flags) noexcept = 0;
  virtual int setdomainname(const char* name, size_t length) noexcept = 0;
  virtual int ioctl(int fd, unsigned long request, void* arg) noexcept = 0;
  virtual int close(int fd) noexcept = 0;
  virtual int chdir(const char* path) noexcept = 0;
  virtual int fchdir(int fd) noexcept = 0;

  // Mounts.
  virtual int mount(const char* source, const char* target, const char* type, unsigned long flags,
                    const char* data) noexcept = 0;
  // The rootfs as planned (overlay, fuse-overlayfs, vfs): 0 or an errno value.
  virtual int mount_rootfs(const rootfs::PreparedMount& prepared) noexcept = 0;
  virtual int umount2(const char* target, int flags) noexcept = 0;
  virtual int pivot_root(const char* new_root, const char* put_old) noexcept = 0;
  virtual int open_tree(int dir_fd, const char* path, unsigned flags) noexcept = 0;
  virtual int move_mount(int from_fd, const char* from_path, int to_fd, const char* to_path,
                         unsigned flags) noexcept = 0;
  virtual int mount_setattr(int fd, const char* path, unsigned flags,
                            uint64_t attr_set) noexcept = 0;
  // A new sysfs of the current network namespace as a detached mount with
  // `attr_set` (fsopen, fsconfig CREATE, fsmount CLOEXEC): its fd, or -1.
  virtual int fsmount_sysfs(uint64_t attr_set) noexcept = 0;

 protected:
  ~Kernel() = default;
};

// The real calls. Stateless: safe to use in the child after clone().
Kernel& linux_kernel() noexcept;

}  // namespace sbx::launch::detail
