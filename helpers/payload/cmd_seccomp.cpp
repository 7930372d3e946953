// seccomp-probe NAME...: calls each syscall with arguments that cannot do harm and prints
// "NAME: ok" or "NAME: EPERM" (the errno name). Arguments are chosen so that an allowed call
// fails with a different errno (EINVAL, ENOENT, EFAULT, ...) where the kernel checks them
// before privilege; where it checks privilege first, compare with seccomp=unconfined.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "payload.hpp"

namespace sbx::payload {
namespace {

constexpr const char* kMissingPath = "/nonexistent-sbx-probe";

// 0 when the call returned >= 0 (closing a returned fd when asked), else errno.
int outcome(long result, bool returns_fd = false) {
  if (result < 0) return errno;
  if (returns_fd) close(static_cast<int>(result));
  return 0;
}

// Runs probe in a forked child so namespace changes never touch us; the child exits with the
// errno it met (0 for success).
int in_child(int (*probe)()) {
  std::fflush(stdout);
  pid_t child = fork();
  if (child < 0) return errno;
  if (child == 0) _exit(probe());
  int status = 0;
  if (waitpid(child, &status, 0) < 0) return errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

template <int kFlag>
int unshare_flag() {
  return in_child([] { return outcome(unshare(kFlag)); });
}

template <int kFlag>
int clone_flag() {
  return in_child([] {
    long pid = syscall(SYS_clone, kFlag | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) _exit(0);
    if (pid < 0) return errno;
    waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return 0;
  });
}

int probe_keyctl() { return outcome(syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3, 0)); }
int probe_add_key() {
  return outcome(syscall(SYS_add_key, "sbx-no-such-type", "sbx-probe", "x", 1, -2));
}
int probe_request_key() {
  return outcome(syscall(SYS_request_key, "sbx-no-such-type", "sbx-probe", nullptr, 0));
}
int probe_mount() { return outcome(mount("none", kMissingPath, "tmpfs", 0, nullptr)); }
int probe_umount() { return outcome(umount2(kMissingPath, 0)); }
int probe_ptrace() { return outcome(ptrace(PTRACE_PEEKDATA, 0x7fffffff, nullptr, nullptr)); }
int probe_swapon() { return outcome(syscall(SYS_swapon, kMissingPath, 0)); }
int probe_swapoff() { return outcome(syscall(SYS_swapoff, kMissingPath)); }
// Wrong magic numbers: the kernel refuses with EINVAL and never reboots.
int probe_reboot() { return outcome(syscall(SYS_reboot, 0, 0, 0, nullptr)); }
int probe_kexec_load() { return outcome(syscall(SYS_kexec_load, 0, 0, nullptr, 0xffff0000UL)); }
int probe_kexec_file_load() {
  return outcome(syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, 0xffffffffUL));
}
int probe_open_by_handle_at() {
  return outcome(syscall(SYS_open_by_handle_at, -1, nullptr, 0), true);
}
int probe_bpf() { return outcome(syscall(SYS_bpf, 0x7fff, nullptr, 0), true); }
int probe_perf_event_open() {
  return outcome(syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0), true);
}
int probe_userfaultfd() { return outcome(syscall(SYS_userfaultfd, 1 /*USER_MODE_ONLY*/), true); }
int probe_init_module() { return outcome(syscall(SYS_init_module, nullptr, 0, "")); }
int probe_finit_module() { return outcome(syscall(SYS_finit_module, -1, "", 0)); }
int probe_delete_module() { return outcome(syscall(SYS_delete_module, "sbx_no_such_module", 0)); }
int probe_acct() { return outcome(syscall(SYS_acct, kMissingPath)); }
int probe_clock_settime() { return outcome(syscall(SYS_clock_settime, -1, nullptr)); }
int probe_settimeofday() { return outcome(syscall(SYS_settimeofday, nullptr, nullptr)); }
int probe_pivot_root() { return outcome(syscall(SYS_pivot_root, kMissingPath, kMissingPath)); }
int probe_chroot() { return outcome(chroot(kMissingPath)); }
int probe_setns() { return outcome(setns(-1, 0)); }
int probe_ioperm() { return outcome(syscall(SYS_ioperm, 0x80, 1, 0)); }
int probe_iopl() { return outcome(syscall(SYS_iopl, 0)); }
int probe_quotactl() { return outcome(syscall(SYS_quotactl, 0, kMissingPath, 0, nullptr)); }
int probe_syslog() { return outcome(syscall(SYS_syslog, 10 /*SIZE_BUFFER*/, nullptr, 0)); }
int probe_clone3() { return outcome(syscall(SYS_clone3, nullptr, 0)); }
// entries 0 and bad fds: allowed calls fail with EINVAL or EBADF and set up nothing.
int probe_io_uring_setup() { return outcome(syscall(SYS_io_uring_setup, 0, nullptr), true); }
int probe_io_uring_enter() { return outcome(syscall(SYS_io_uring_enter, -1, 0, 0, 0, nullptr, 0)); }
int probe_io_uring_register() { return outcome(syscall(SYS_io_uring_register, -1, 0, nullptr, 0)); }
int probe_name_to_handle_at() {
  return outcome(syscall(SYS_name_to_handle_at, -1, kMissingPath, nullptr, nullptr, 0));
}
int probe_personality() { return outcome(syscall(SYS_personality, 0xffffffffUL)); }
// Inside a missing directory, so an allowed call fails with ENOENT and creates nothing.
int probe_mknod() {
  return outcome(syscall(SYS_mknodat, AT_FDCWD, "/nonexistent-sbx-probe/node", S_IFCHR, 0));
}
int probe_getpid() { return outcome(syscall(SYS_getpid)); }
int probe_lookup_dcookie() { return outcome(syscall(SYS_lookup_dcookie, 0, nullptr, 0)); }
int probe_move_mount() {
  return outcome(syscall(SYS_move_mount, -1, kMissingPath, -1, kMissingPath, 0));
}
int probe_fsopen() { return outcome(syscall(SYS_fsopen, "sbx-no-such-fs", 0), true); }
int probe_open_tree() { return outcome(syscall(SYS_open_tree, -1, kMissingPath, 0), true); }
int probe_get_mempolicy() {
  return outcome(syscall(SYS_get_mempolicy, nullptr, nullptr, 0, nullptr, 0));
}

struct Probe {
  std::string_view name;
  int (*run)();
};

constexpr std::array<Probe, 54> kProbes = {{
    {"keyctl", probe_keyctl},
    {"add_key", probe_add_key},
    {"request_key", probe_request_key},
    {"unshare-user", unshare_flag<CLONE_NEWUSER>},
    {"unshare-mount", unshare_flag<CLONE_NEWNS>},
    {"unshare-net", unshare_flag<CLONE_NEWNET>},
    {"unshare-pid", unshare_flag<CLONE_NEWPID>},
    {"unshare-uts", unshare_flag<CLONE_NEWUTS>},
    {"unshare-ipc", unshare_flag<CLONE_NEWIPC>},
    {"unshare-cgroup", unshare_flag<CLONE_NEWCGROUP>},
    {"clone-user", clone_flag<CLONE_NEWUSER>},
    {"clone-mount", clone_flag<CLONE_NEWNS>},
    {"mount", probe_mount},
    {"umount", probe_umount},
    {"umount2", probe_umount},
    {"ptrace", probe_ptrace},
    {"swapon", probe_swapon},
    {"swapoff", probe_swapoff},
    {"reboot", probe_reboot},
    {"kexec_load", probe_kexec_load},
    {"kexec_file_load", probe_kexec_file_load},
    {"open_by_handle_at", probe_open_by_handle_at},
    {"name_to_handle_at", probe_name_to_handle_at},
    {"bpf", probe_bpf},
    {"perf_event_open", probe_perf_event_open},
    {"userfaultfd", probe_userfaultfd},
    {"init_module", probe_init_module},
    {"finit_module", probe_finit_module},
    {"delete_module", probe_delete_module},
    {"acct", probe_acct},
    {"clock_settime", probe_clock_settime},
    {"settimeofday", probe_settimeofday},
    {"pivot_root", probe_pivot_root},
    {"chroot", probe_chroot},
    {"setns", probe_setns},
    {"ioperm", probe_ioperm},
    {"iopl", probe_iopl},
    {"quotactl", probe_quotactl},
    {"syslog", probe_syslog},
    {"clone3", probe_clone3},
    {"io_uring_setup", probe_io_uring_setup},
    {"io_uring_enter", probe_io_uring_enter},
    {"io_uring_register", probe_io_uring_register},
    {"personality", probe_personality},
    {"mknod", probe_mknod},
    {"getpid", probe_getpid},
    {"lookup_dcookie", probe_lookup_dcookie},
    {"move_mount", probe_move_mount},
    {"fsopen", probe_fsopen},
    {"open_tree", probe_open_tree},
    {"get_mempolicy", probe_get_mempolicy},
    {"unshare-time", unshare_flag<CLONE_NEWTIME>},
    {"clone-net", clone_flag<CLONE_NEWNET>},
    {"clone-pid", clone_flag<CLONE_NEWPID>},
}};

// Every known probe when called without names; exit 2 if a name is unknown.
int run_seccomp_probe(std::span<char* const> args) {
  int status = kExitOk;
  auto run_one = [](const Probe& probe) {
    int result = probe.run();
    std::printf("%.*s: %s\n", static_cast<int>(probe.name.size()), probe.name.data(),
                result == 0 ? "ok" : errno_name(result));
  };
  if (args.empty()) {
    for (const Probe& probe : kProbes) run_one(probe);
    return status;
  }
  for (const char* name : args) {
    const Probe* found = nullptr;
    for (const Probe& probe : kProbes) {
      if (probe.name == name) found = &probe;
    }
    if (found == nullptr) {
      std::printf("%s: unknown-probe\n", name);
      status = kExitUsage;
      continue;
    }
    run_one(*found);
  }
  return status;
}

constexpr std::array<CommandEntry, 1> kCommands = {{
    {"seccomp-probe", "[NAME...] (NAME: ok|EPERM|ENOSYS|...; all probes without names)",
     run_seccomp_probe},
}};

}  // namespace

std::span<const CommandEntry> seccomp_commands() { return kCommands; }

}  // namespace sbx::payload
