// The built-in seccomp profile: the semantics of docker's default profile
// (moby profiles/seccomp/default.json): errno EPERM by default, an allow-list,
// argument filters for personality/socket/clone, and groups of syscalls that
// are allowed only when the container holds the matching capability.
#include <sstream>

#include "sandbox/security/seccomp.hpp"

namespace sbx::security {
namespace {

// Always allowed (names unknown on this architecture are skipped at compile).
constexpr std::string_view kAllowed = R"(
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64
fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs
fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd
getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32
getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32
getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init
inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr
lstat lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat
mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv
msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open
openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect
poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6
pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom
recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2
restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity
sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr
sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid
setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid
setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat
shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall
socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs
sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
)";

// Namespace flags of clone(2): CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC |
// NEWUSER | NEWPID | NEWNET. clone is allowed without CAP_SYS_ADMIN only when
// none of them is set.
constexpr uint64_t kCloneNamespaceFlags = 0x7E020000;
constexpr uint64_t kAfVsock = 40;

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

SeccompRule allow(std::string_view names) {
  SeccompRule rule;
  rule.names = words(names);
  rule.action = SeccompAction::kAllow;
  return rule;
}

SeccompRule allow_with_cap(std::string_view names, std::string cap) {
  SeccompRule rule = allow(names);
  rule.includes.caps = {std::move(cap)};
  return rule;
}

SeccompRule allow_on_arches(std::string_view names, std::string_view arches) {
  SeccompRule rule = allow(names);
  rule.includes.arches = words(arches);
  return rule;
}

SeccompRule allow_if_arg(std::string_view name, unsigned index, uint64_t value, SeccompOp op) {
  SeccompRule rule = allow(name);
  rule.args = {{.index = index, .value = value, .value_two = 0, .op = op}};
  return rule;
}

void add_argument_rules(std::vector<SeccompRule>& rules) {
  rules.push_back(allow_if_arg("socket", 0, kAfVsock, SeccompOp::kNotEqual));
  // personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query.
  for (uint64_t persona : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull}) {
    rules.push_back(allow_if_arg("personality", 0, persona, SeccompOp::kEqualTo));
  }
  SeccompRule clone = allow("clone");
  clone.args = {
      {.index = 0, .value = kCloneNamespaceFlags, .value_two = 0, .op = SeccompOp::kMaskedEqual}};
  clone.excludes.caps = {"CAP_SYS_ADMIN"};
  clone.excludes.arches = {"s390", "s390x"};
  rules.push_back(clone);
  SeccompRule clone_s390 = clone;  // s390 swaps the first two clone arguments
  clone_s390.args[0].index = 1;
  clone_s390.excludes.arches.clear();
  clone_s390.includes.arches = {"s390", "s390x"};
  clone_s390.comment = "s390 parameter ordering for clone is different";
  rules.push_back(clone_s390);
  // clone3 passes its flags in memory that BPF cannot read: ENOSYS makes libc
  // fall back to clone, which is filtered above.
  SeccompRule clone3;
  clone3.names = {"clone3"};
  clone3.action = SeccompAction::kErrno;
  clone3.errno_ret = 38;  // ENOSYS
  clone3.excludes.caps = {"CAP_SYS_ADMIN"};
  rules.push_back(clone3);
  // io_uring reaches the kernel through a ring that seccomp never sees, and
  // its code has been a steady source of privilege escalations: docker's
  // default profile dropped it (moby 25.0). ENOSYS, as podman answers, makes
  // programs fall back to plain syscalls instead of failing.
  SeccompRule io_uring;
  io_uring.names = {"io_uring_setup", "io_uring_enter", "io_uring_register"};
  io_uring.action = SeccompAction::kErrno;
  io_uring.errno_ret = 38;  // ENOSYS
  rules.push_back(io_uring);
}

void add_arch_rules(std::vector<SeccompRule>& rules) {
  rules.push_back(allow_on_arches("sync_file_range2 swapcontext", "ppc64le"));
  rules.push_back(allow_on_arches(
      "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
      "arm arm64"));
  rules.push_back(allow_on_arches("arch_prctl", "amd64 x32"));
  rules.push_back(allow_on_arches("modify_ldt", "amd64 x32 x86"));
  rules.push_back(
      allow_on_arches("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", "s390 s390x"));
  rules.push_back(allow_on_arches("riscv_flush_icache", "riscv64"));
}

void add_capability_rules(std::vector<SeccompRule>& rules) {
  rules.push_back(allow_with_cap("open_by_handle_at", "CAP_DAC_READ_SEARCH"));
  rules.push_back(allow_with_cap(
      "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
      "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
      "sethostname setns syslog umount umount2 unshare",
      "CAP_SYS_ADMIN"));
  rules.push_back(allow_with_cap("reboot", "CAP_SYS_BOOT"));
  rules.push_back(allow_with_cap("chroot", "CAP_SYS_CHROOT"));
  rules.push_back(allow_with_cap("delete_module init_module finit_module", "CAP_SYS_MODULE"));
  rules.push_back(allow_with_cap("acct", "CAP_SYS_PACCT"));
  rules.push_back(
      allow_with_cap("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace",
                     "CAP_SYS_PTRACE"));
  rules.push_back(allow_with_cap("iopl ioperm", "CAP_SYS_RAWIO"));
  rules.push_back(
      allow_with_cap("settimeofday stime clock_settime clock_settime64", "CAP_SYS_TIME"));
  rules.push_back(allow_with_cap("vhangup", "CAP_SYS_TTY_CONFIG"));
  rules.push_back(
      allow_with_cap("get_mempolicy mbind set_mempolicy set_mempolicy_home_node", "CAP_SYS_NICE"));
  rules.push_back(allow_with_cap("syslog", "CAP_SYSLOG"));
  rules.push_back(allow_with_cap("bpf", "CAP_BPF"));
  rules.push_back(allow_with_cap("perf_event_open", "CAP_PERFMON"));
}

SeccompProfile make_default_profile() {
  SeccompProfile profile;
  profile.default_action = SeccompAction::kErrno;
  profile.default_errno_ret = 1;  // EPERM
  profile.arch_map = {
      {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
      {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
      {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
      {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
      {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
      {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
      {"SCMP_ARCH_RISCV64", {}},
  };
  profile.syscalls.push_back(allow(kAllowed));
  // ptrace needs a 4.8+ kernel to be safe under seccomp (no filter bypass).
  SeccompRule ptrace = allow("process_vm_readv process_vm_writev ptrace");
  ptrace.includes.min_kernel = "4.8";
  profile.syscalls.push_back(ptrace);
  add_argument_rules(profile.syscalls);
  add_arch_rules(profile.syscalls);
  add_capability_rules(profile.syscalls);
  return profile;
}

}  // namespace

const SeccompProfile& default_seccomp_profile() {
  static const SeccompProfile profile = make_default_profile();
  return profile;
}

}  // namespace sbx::security
