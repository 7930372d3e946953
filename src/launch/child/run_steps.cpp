// run's container child, top to bottom as the kernel sees it, and the joiner
// that clones it. The steps only run here are the ones that build the
// container: root in the user namespace, the rootfs and its mounts, the host
// side's turn (network, cgroup), the OCI in-container hooks, the hostname.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "child/child.hpp"
#include "sandbox/base/sync_message.hpp"

namespace sbx::launch::detail {
namespace {

bool become_root(ChildContext& ctx) noexcept {
  if (ctx.kernel->setresgid(0) < 0) return child_fail(ctx, "setresgid", "0", errno);
  if (ctx.kernel->setresuid(0) < 0) return child_fail(ctx, "setresuid", "0", errno);
  // With keep-id, root here is a subordinate id, and the uid change made us
  // non-dumpable: the host side (slirp4netns joining our net namespace) could
  // no longer open /proc/<pid>/ns/*. execve resets this for the container.
  if (ctx.kernel->prctl(PR_SET_DUMPABLE, 1) < 0)
    return child_fail(ctx, "prctl", "PR_SET_DUMPABLE", errno);
  return true;
}

bool make_mounts_private(ChildContext& ctx) noexcept {
  // Nothing we mount may propagate back to the host's mount namespace.
  if (ctx.kernel->mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return child_fail(ctx, "mount", "/ (MS_PRIVATE)", errno);
  return true;
}

// Empty names are left alone: an OCI config without a uts namespace of its
// own must not rename the host.
bool set_hostname(ChildContext& ctx) noexcept {
  const auto& name = ctx.plan->hostname;
  if (!name.empty() && ctx.kernel->sethostname(name.c_str(), name.size()) < 0)
    return child_fail(ctx, "sethostname", name.c_str(), errno);
  const auto& domain = ctx.plan->domainname;
  if (!domain.empty() && ctx.kernel->setdomainname(domain.c_str(), domain.size()) < 0)
    return child_fail(ctx, "setdomainname", domain.c_str(), errno);
  return true;
}

// OCI linux.timeOffsets: clone cannot make a time namespace (its flag is in
// CSIGNAL), so it is unshared here. Only our children and our execve enter it,
// and the offsets must be written before any process does: before the hooks.
bool make_time_namespace(ChildContext& ctx) noexcept {
  if (!ctx.plan->time_offsets) return true;
  if (ctx.kernel->unshare(CLONE_NEWTIME) < 0)
    return child_fail(ctx, "unshare", "CLONE_NEWTIME", errno);
  const auto& offsets = *ctx.plan->time_offsets;
  if (offsets.empty()) return true;
  constexpr const char* kOffsets = "/proc/self/timens_offsets";
  int fd = ctx.kernel->open(kOffsets, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return child_fail(ctx, "open", kOffsets, errno);
  ssize_t written = ctx.kernel->write(fd, offsets.data(), offsets.size());
  int saved = errno;
  ctx.kernel->close(fd);
  if (written != static_cast<ssize_t>(offsets.size()))
    return child_fail(ctx, "write", kOffsets, written < 0 ? saved : EIO);
  return true;
}

// OCI linux.personality, kept across execve.
bool set_personality(ChildContext& ctx) noexcept {
  if (!ctx.plan->personality) return true;
  if (ctx.kernel->personality(*ctx.plan->personality) < 0)
    return child_fail(ctx, "personality", nullptr, errno);
  return true;
}

// The host side (slirp4netns, the cgroup) starts once it hears from us.
bool hand_over_to_host(ChildContext& ctx) noexcept {
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kWaitingForHost));
  if (rc < 0) return child_fail(ctx, "sendmsg", "sync socket", -rc);
  return wait_for_host(ctx);
}

constexpr Step kRunChildSteps[] = {
    {"close host fds", close_host_fds},
    {"reset signals", reset_signals},
    {"become root", become_root},
    {"make time namespace", make_time_namespace},
    {"join a new session keyring", join_session_keyring},
    {"make mounts private", make_mounts_private},
    {"open the shared /dev/shm", open_shared_shm},
    {"mount rootfs", mount_rootfs},
    {"mount /proc /dev /sys /etc and volumes", mount_plan_mounts},
    {"make /dev links", make_dev_symlinks},
    {"make working directory", make_workdir},
    {"make mounts read-only", make_mounts_read_only_late},
    {"open pty", open_pty},
    // The host side (network, cgroup, prestart and createRuntime hooks) sees
    // the rootfs mounted and not yet pivoted into, as runc's does.
    {"wait for host side", hand_over_to_host},
    {"createContainer hooks", run_create_container_hooks},
    {"pivot_root", pivot_into_rootfs},
    {"write sysctls", write_sysctls},
    {"mask paths", mask_paths},
    {"read-only paths", make_paths_read_only},
    {"read-only rootfs", make_rootfs_read_only},
    {"set hostname", set_hostname},
    {"bring up lo", bring_up_loopback},
    {"enter cgroup namespace", enter_cgroup_namespace},
    {"start a session", new_session},
    {"set stdio", set_stdio},
    {"set umask", set_umask},
    {"enter working directory", enter_workdir},
    {"switch user", switch_user},
    {"find the command", find_command},
    {"set personality", set_personality},
    {"wait for start", wait_for_start},
    // After the security, as runc runs them: under the container's seccomp filter.
    {"apply security", apply_security},
    {"startContainer hooks", run_start_container_hooks},
    {"hand the sync socket to init", hand_sync_socket_to_init},
    {"exec init", exec_init},
};

}  // namespace

std::span<const Step> run_child_steps() noexcept { return kRunChildSteps; }

int join_and_clone(void* arg) noexcept {
  auto& ctx = *static_cast<ChildContext*>(arg);
  if (!join_namespaces(ctx)) return 1;
  // fork-like: the child gets its own copy of our memory (the plan, this
  // stack); CLONE_PARENT makes it sandbox's child, which waits for it. Its
  // cgroup namespace comes later, once the host has placed it
  // (enter_cgroup_namespace): one made here would only be replaced.
  int made = ctx.plan->namespaces & ~ctx.join_namespaces & ~ctx.join_fd_namespaces;
  int flags = CLONE_PARENT | (made & ~CLONE_NEWCGROUP) | SIGCHLD;
  long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
  if (pid == 0) {
    ::close(ctx.parent_sync_fd);
    run_steps_or_exit(ctx, kRunChildSteps);
    ::_exit(125);  // exec_init only returns by failing
  }
  if (pid < 0) {
    child_fail(ctx, "clone", "new namespaces", errno);
    return 1;
  }
  ctx.joined_pid = static_cast<pid_t>(pid);
  return 0;
}

}  // namespace sbx::launch::detail
