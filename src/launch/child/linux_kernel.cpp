// The real kernel calls behind child/kernel.hpp.
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "child/kernel.hpp"

namespace sbx::launch::detail {
namespace {

// waitpid with a deadline: polled every 10 ms, killed when it passes.
int await_program(pid_t pid, int timeout_seconds) noexcept {
  int status = 0;
  long polls_left = static_cast<long>(timeout_seconds) * 100;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, timeout_seconds > 0 ? WNOHANG : 0);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return -1;
    if (done == 0 && polls_left-- <= 0) break;
    if (done == 0) {
      timespec tick{0, 10'000'000};
      ::nanosleep(&tick, nullptr);
    }
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  errno = ETIMEDOUT;
  return -1;
}

class LinuxKernel final : public Kernel {
 public:
  int close_fds_on_exec(unsigned first) noexcept override {
    return ::close_range(first, ~0U, CLOSE_RANGE_CLOEXEC);
  }
  int reset_signals() noexcept override {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    return 0;
  }
  int prctl(int option, unsigned long arg) noexcept override {
    return ::prctl(option, arg, 0, 0, 0);
  }
  int setresuid(uid_t uid) noexcept override { return ::setresuid(uid, uid, uid); }
  int setresgid(gid_t gid) noexcept override { return ::setresgid(gid, gid, gid); }
  int setgroups(size_t count, const gid_t* gids) noexcept override {
    return ::setgroups(count, gids);
  }
  int join_session_keyring() noexcept override {
    return static_cast<int>(::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr));
  }
  int setns(int fd, int nstype) noexcept override { return ::setns(fd, nstype); }
  int unshare(int flags) noexcept override { return ::unshare(flags); }
  int setsid() noexcept override { return ::setsid() < 0 ? -1 : 0; }
  int sethostname(const char* name, size_t length) noexcept override {
    return ::sethostname(name, length);
  }
  int personality(unsigned long persona) noexcept override { return ::personality(persona); }
  int bring_up_loopback() noexcept override {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    ifreq ifr{};
    ifr.ifr_name[0] = 'l';
    ifr.ifr_name[1] = 'o';
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    if (ok) {
      ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
      ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    }
    int err = errno;
    ::close(fd);
    errno = err;
    return ok ? 0 : -1;
  }
  int execveat(int fd, char* const* argv, char* const* envp) noexcept override {
    return static_cast<int>(::syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
  }
  pid_t getpid() noexcept override { return ::getpid(); }
  int run_program(const char* path, char* const* argv, char* const* envp, const iovec* input,
                  int input_count, int timeout_seconds) noexcept override {
    int stdin_pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdin_pair) < 0) return -1;
    // A raw fork: this process came from clone(), glibc's fork handlers are
    // not ours to run here.
    long pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (pid == 0) {
      if (::dup2(stdin_pair[1], STDIN_FILENO) < 0) ::_exit(127);  // the copy is not CLOEXEC
      ::execve(path, argv, envp);
      ::_exit(127);
    }
    int saved = errno;
    ::close(stdin_pair[1]);
    if (pid < 0) {
      ::close(stdin_pair[0]);
      errno = saved;
      return -1;
    }
    // The state is small: it fits the socket buffer. A program that does not
    // read it must neither block us nor raise SIGPIPE.
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(input);
    message.msg_iovlen = static_cast<size_t>(input_count);
    (void)::sendmsg(stdin_pair[0], &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(stdin_pair[0]);
    return await_program(static_cast<pid_t>(pid), timeout_seconds);
  }

  int open(const char* path, int flags) noexcept override {
    return ::open(path, flags | O_CLOEXEC);
  }
  int open_in_root(int root_fd, const char* path, int flags) noexcept override {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how));
  }
  int openat(int dir_fd, const char* name, int flags, mode_t mode) noexcept override {
    return ::openat(dir_fd, name, flags | O_CLOEXEC, mode);
  }
  int mkdirat(int dir_fd, const char* name, mode_t mode) noexcept override {
    return ::mkdirat(dir_fd, name, mode);
  }
  int symlinkat(const char* target, int dir_fd, const char* name) noexcept override {
    return ::symlinkat(target, dir_fd, name);
  }
  int fstat(int fd, struct stat* st) noexcept override { return ::fstat(fd, st); }
  int fchown(int fd, uid_t uid, gid_t gid) noexcept override { return ::fchown(fd, uid, gid); }
  int dup_cloexec(int fd) noexcept override { return ::fcntl(fd, F_DUPFD_CLOEXEC, 0); }
  int dup2(int fd, int target) noexcept override { return ::dup2(fd, target); }
  int keep_open_on_exec(int fd) noexcept override { return ::fcntl(fd, F_SETFD, 0); }
  void umask(mode_t mask) noexcept override { ::umask(mask); }
  ssize_t read(int fd, void* buffer, size_t size) noexcept override {
    return ::read(fd, buffer, size);
  }
  ssize_t write(int fd, const void* buffer, size_t size) noexcept override {
    return ::write(fd, buffer, size);
  }
  int faccessat(int dir_fd, const char* path, int mode, int flags) noexcept override {
    return ::faccessat(dir_fd, path, mode, flags);
  }
  int setdomainname(const char* name, size_t length) noexcept override {
    return ::setdomainname(name, length);
  }
  int ioctl(int fd, unsigned long request, void* arg) noexcept override {
    return ::ioctl(fd, request, arg);
  }
  int close(int fd) noexcept override { return ::close(fd); }
  int chdir(const char* path) noexcept override { return ::chdir(path); }
  int fchdir(int fd) noexcept override { return ::fchdir(fd); }

  int mount(const char* source, const char* target, const char* type, unsigned long flags,
            const char* data) noexcept override {
    return ::mount(source, target, type, flags, data);
  }
  int mount_rootfs(const rootfs::PreparedMount& prepared) noexcept override {
    return rootfs::mount_prepared(prepared);
  }
  int umount2(const char* target, int flags) noexcept override { return ::umount2(target, flags); }
  int pivot_root(const char* new_root, const char* put_old) noexcept override {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
  }
  int open_tree(int dir_fd, const char* path, unsigned flags) noexcept override {
    return ::open_tree(dir_fd, path, flags);
  }
  int move_mount(int from_fd, const char* from_path, int to_fd, const char* to_path,
                 unsigned flags) noexcept override {
    return ::move_mount(from_fd, from_path, to_fd, to_path, flags);
  }
  int fsmount_sysfs(uint64_t attr_set) noexcept override {
    int fs = static_cast<int>(::syscall(SYS_fsopen, "sysfs", FSOPEN_CLOEXEC));
    if (fs < 0) return -1;
    int mnt = -1;
    if (::syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
      mnt = static_cast<int>(::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr_set));
    int saved = errno;
    ::close(fs);
    errno = saved;
    return mnt;
  }
  int mount_setattr(int fd, const char* path, unsigned flags, uint64_t attr_set) noexcept override {
    mount_attr attr{};
    attr.attr_set = attr_set;
    return ::mount_setattr(fd, path, flags, &attr, sizeof attr);
  }

  int apply_rlimits(std::span<const security::Rlimit> limits) noexcept override {
    return security::kernel_security_calls().apply_rlimits(limits);
  }
  int raise_effective_caps() noexcept override {
    return security::kernel_security_calls().raise_effective_caps();
  }
  int load_seccomp(const security::SeccompProgram& program) noexcept override {
    return security::kernel_security_calls().load_seccomp(program);
  }
  int apply_capabilities(const security::CapabilitySets& sets) noexcept override {
    return security::kernel_security_calls().apply_capabilities(sets);
  }
  int set_no_new_privs() noexcept override {
    return security::kernel_security_calls().set_no_new_privs();
  }
};

}  // namespace

Kernel& linux_kernel() noexcept {
  static LinuxKernel kernel;  // no state: constant-initialized
  return kernel;
}

}  // namespace sbx::launch::detail
