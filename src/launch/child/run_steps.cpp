// The child sequence, top to bottom as the kernel sees it. Each step is short
// and allocation-free; the first failure is sent to the parent (sync.hpp).
#include "child/child.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "child/credentials.hpp"
#include "sandbox/security/policy.hpp"
#include "sync.hpp"

namespace sbx::launch::detail {
namespace {

bool wait_for(ChildContext& ctx, SyncType expected) noexcept {
  SyncMessage m;
  int rc = receive_sync_raw(ctx.sync_fd, m);
  if (rc < 0) return child_fail(ctx, "recv", "sync socket", -rc);
  if (m.type != expected) return child_fail(ctx, "recv", "unexpected sync message", EPROTO);
  return true;
}

bool become_root(ChildContext& ctx) noexcept {
  if (::setresgid(0, 0, 0) < 0) return child_fail(ctx, "setresgid", "0", errno);
  if (::setresuid(0, 0, 0) < 0) return child_fail(ctx, "setresuid", "0", errno);
  // With keep-id, root here is a subordinate id, and the uid change made us
  // non-dumpable: the host side (slirp4netns joining our net namespace) could
  // no longer open /proc/<pid>/ns/*. execve resets this for the container.
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return child_fail(ctx, "prctl", "PR_SET_DUMPABLE", errno);
  return true;
}

bool join_session_keyring(ChildContext& ctx) noexcept {
  CredentialFailure f = join_new_session_keyring();
  return f.error == 0 || child_fail(ctx, f.syscall, f.path, f.error);
}

bool make_mounts_private(ChildContext& ctx) noexcept {
  // Nothing we mount may propagate back to the host's mount namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return child_fail(ctx, "mount", "/ (MS_PRIVATE)", errno);
  return true;
}

bool open_pty(ChildContext& ctx) noexcept {
  if (!ctx.plan->process.terminal) return true;
  // The pty lives in the container's own devpts instance.
  int master = open_in_root(ctx.root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) return child_fail(ctx, "open", "/dev/pts/ptmx", errno);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) < 0)
    return child_fail(ctx, "ioctl", "TIOCSPTLCK", errno);
  ctx.pty_slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (ctx.pty_slave < 0) return child_fail(ctx, "ioctl", "TIOCGPTPEER", errno);
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kPtyMaster), master);
  ::close(master);
  if (rc < 0) return child_fail(ctx, "sendmsg", "pty master", -rc);
  return true;
}

bool set_hostname(ChildContext& ctx) noexcept {
  const auto& name = ctx.plan->hostname;
  if (::sethostname(name.c_str(), name.size()) < 0)
    return child_fail(ctx, "sethostname", name.c_str(), errno);
  return true;
}

bool wait_for_host(ChildContext& ctx) noexcept {
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kWaitingForHost));
  if (rc < 0) return child_fail(ctx, "sendmsg", "sync socket", -rc);
  return wait_for(ctx, SyncType::kHostReady);
}

// A session of its own, with or without a terminal, as conmon gives podman's
// containers: the caller's terminal is not its controlling terminal (no
// TIOCSTI into the host shell through an inherited tty fd, no job-control
// signals from it: sandbox forwards them), and the scheduler's autogroup is
// the container's own, not shared with whatever else runs in the session.
bool new_session(ChildContext& ctx) noexcept {
  if (::setsid() < 0) return child_fail(ctx, "setsid", nullptr, errno);
  return true;
}

bool set_stdio(ChildContext& ctx) noexcept {
  const ProcessPlan& p = ctx.plan->process;
  if (p.terminal) {
    if (::ioctl(ctx.pty_slave, TIOCSCTTY, 0) < 0)
      return child_fail(ctx, "ioctl", "TIOCSCTTY", errno);
    for (int fd = 0; fd < 3; ++fd)
      if (::dup2(ctx.pty_slave, fd) < 0) return child_fail(ctx, "dup2", "pty", errno);
  } else if (!p.stdin_open) {
    if (::dup2(ctx.null_fd, 0) < 0) return child_fail(ctx, "dup2", "/dev/null", errno);
  }
  return true;
}

bool enter_workdir(ChildContext& ctx) noexcept {
  if (::chdir(ctx.plan->process.cwd.c_str()) < 0)
    return child_fail(ctx, "chdir", ctx.plan->process.cwd.c_str(), errno);
  return true;
}

bool switch_user(ChildContext& ctx) noexcept {
  CredentialFailure f = switch_to_process_user(ctx.plan->process);
  return f.error == 0 || child_fail(ctx, f.syscall, f.path, f.error);
}

// rlimits, capabilities (KEEPCAPS cleared), no_new_privs, seccomp last, in
// the order policy.hpp documents; names the failing one.
bool apply_security(ChildContext& ctx) noexcept {
  const char* failed = nullptr;
  if (int err = security::apply_security_plan(ctx.plan->security, &failed))
    return child_fail(ctx, failed ? failed : "security", nullptr, err);
  return true;
}

bool exec_init(ChildContext& ctx) noexcept {
  // Die with sandbox: a foreground container must not outlive its parent.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  ::syscall(SYS_execveat, ctx.init_fd, "", ctx.argv, ctx.envp, AT_EMPTY_PATH);
  return child_fail(ctx, "execveat", "init", errno);
}

bool reset_signals(ChildContext&) noexcept {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  return true;
}

bool close_host_fds(ChildContext& ctx) noexcept {
  // Every fd above stdio closes at execve: no host fd reaches the container.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return child_fail(ctx, "close_range", nullptr, errno);
  return true;
}

struct Step {
  const char* name;
  bool (*run)(ChildContext&) noexcept;
};

constexpr Step kSteps[] = {
    {"close host fds", close_host_fds},
    {"reset signals", reset_signals},
    {"become root", become_root},
    {"join a new session keyring", join_session_keyring},
    {"make mounts private", make_mounts_private},
    {"mount rootfs", mount_rootfs},
    {"mount /proc /dev /sys /etc and volumes", mount_plan_mounts},
    {"make /dev links", make_dev_symlinks},
    {"make working directory", make_workdir},
    {"open pty", open_pty},
    {"pivot_root", pivot_into_rootfs},
    {"mask paths", mask_paths},
    {"read-only paths", make_paths_read_only},
    {"read-only rootfs", make_rootfs_read_only},
    {"set hostname", set_hostname},
    {"bring up lo", bring_up_loopback},
    {"wait for host side", wait_for_host},
    {"enter cgroup namespace", enter_cgroup_namespace},
    {"start a session", new_session},
    {"set stdio", set_stdio},
    {"enter working directory", enter_workdir},
    {"switch user", switch_user},
    {"apply security", apply_security},
    {"exec init", exec_init},
};

}  // namespace

bool child_fail(ChildContext& ctx, const char* syscall, const char* path,
                int error_number) noexcept {
  ctx.failed_syscall = syscall;
  ctx.failed_path = path;
  ctx.failed_errno = error_number;
  return false;
}

int join_and_clone(void* arg) noexcept {
  auto& ctx = *static_cast<ChildContext*>(arg);
  // The kernel enters the user namespace first: we hold every capability in
  // it (our uid owns it), which the others then require. Its maps are already
  // written, so the child is root there from its first step.
  if (::setns(ctx.join_pidfd, ctx.join_namespaces) < 0) {
    child_fail(ctx, "setns", "the container's namespaces", errno);
    return 1;
  }
  // fork-like: the child gets its own copy of our memory (the plan, this
  // stack); CLONE_PARENT makes it sandbox's child, which waits for it. Its
  // cgroup namespace comes later, once the host has placed it
  // (enter_cgroup_namespace): one made here would only be replaced.
  int flags =
      CLONE_PARENT | (ctx.plan->namespaces & ~ctx.join_namespaces & ~CLONE_NEWCGROUP) | SIGCHLD;
  long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
  if (pid == 0) {
    ::close(ctx.parent_sync_fd);
    run_child(ctx);
  }
  if (pid < 0) {
    child_fail(ctx, "clone", "new namespaces", errno);
    return 1;
  }
  ctx.joined_pid = static_cast<pid_t>(pid);
  return 0;
}

void run_child(ChildContext& ctx) noexcept {
  for (const Step& step : kSteps) {
    if (step.run(ctx)) continue;
    send_sync(ctx.sync_fd,
              make_sync_error(ctx.failed_errno, step.name, ctx.failed_syscall, ctx.failed_path));
    ::_exit(125);
  }
  ::_exit(125);  // exec_init only returns by failing
}

}  // namespace sbx::launch::detail
