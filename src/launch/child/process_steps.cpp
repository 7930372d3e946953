// The steps run and exec share, and the one runner. Each is short, noexcept
// and allocation-free; every kernel call goes through ctx.kernel.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "child/child.hpp"
#include "sandbox/base/sync_message.hpp"

namespace sbx::launch::detail {

bool child_fail(ChildContext& ctx, const char* syscall, const char* path,
                int error_number) noexcept {
  ctx.failed_syscall = syscall;
  ctx.failed_path = path;
  ctx.failed_errno = error_number;
  return false;
}

const Step* run_steps(ChildContext& ctx, std::span<const Step> steps) noexcept {
  for (const Step& step : steps)
    if (!step.run(ctx)) return &step;
  return nullptr;
}

void run_steps_or_exit(ChildContext& ctx, std::span<const Step> steps) noexcept {
  const Step* failed = run_steps(ctx, steps);
  if (!failed) return;
  send_sync(ctx.sync_fd,
            make_sync_error(ctx.failed_errno, failed->name, ctx.failed_syscall, ctx.failed_path));
  ::_exit(125);
}

bool close_host_fds(ChildContext& ctx) noexcept {
  // Every fd above stdio (and the ones an engine asked to pass with
  // --preserve-fds) closes at execve: no host fd reaches the container.
  if (ctx.kernel->close_fds_on_exec(ctx.first_closed_fd) < 0)
    return child_fail(ctx, "close_range", nullptr, errno);
  return true;
}

bool reset_signals(ChildContext& ctx) noexcept {
  ctx.kernel->reset_signals();
  return true;
}

bool join_namespaces(ChildContext& ctx) noexcept {
  // Paths first, a user namespace among them first (runc's order): the
  // others are checked against the credentials gained there.
  for (size_t i = 0; i < ctx.join_fd_count; ++i)
    if (ctx.kernel->setns(ctx.join_fds[i], 0) < 0)
      return child_fail(ctx, "setns", "a namespace path of the config", errno);
  // Root in the pause process's user namespace, which owns (or is an
  // ancestor of the owner of) the joined network namespace: sysfs for it can
  // be made here, in a mount namespace of our own (fsopen needs one whose
  // owner we are root in), and not in the container's sibling user namespace.
  if (ctx.make_joined_sysfs) {
    if (ctx.kernel->unshare(CLONE_NEWNS) < 0)
      return child_fail(ctx, "unshare", "mount namespace for sysfs", errno);
    ctx.sysfs_fd = ctx.kernel->fsmount_sysfs(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                             MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (ctx.sysfs_fd < 0) return child_fail(ctx, "fsmount", "sysfs", errno);
  }
  if (ctx.join_pidfd < 0) return true;
  // One call through the pidfd: the kernel enters the user namespace first
  // (its maps are written: we are root there) and checks the others with the
  // credentials gained there, all or nothing.
  if (ctx.kernel->setns(ctx.join_pidfd, ctx.join_namespaces) < 0)
    return child_fail(ctx, "setns", "the container's namespaces", errno);
  // Root in the container's user namespace now, which owns its time namespace.
  if (ctx.join_time_fd >= 0 && ctx.kernel->setns(ctx.join_time_fd, CLONE_NEWTIME) < 0)
    return child_fail(ctx, "setns", "the container's time namespace", errno);
  return true;
}

bool join_session_keyring(ChildContext& ctx) noexcept {
  // The caller's session keyring (pam_keyinit's, linked to the user's own
  // keyring) is inherited through clone and execve: with keyctl allowed
  // (--privileged, a profile that allows it) the container would read and
  // change the user's keys. ENOSYS: a kernel without keys; EPERM: an outer
  // seccomp filter, which the container inherits too. Neither leaves a key
  // to reach, so runc's rule (only ENOSYS) is widened by that one case.
  if (ctx.kernel->join_session_keyring() < 0 && errno != ENOSYS && errno != EPERM)
    return child_fail(ctx, "keyctl", "KEYCTL_JOIN_SESSION_KEYRING", errno);
  return true;
}

bool wait_for_host(ChildContext& ctx) noexcept {
  SyncMessage m;
  int rc = receive_sync_raw(ctx.sync_fd, m);
  if (rc < 0) return child_fail(ctx, "recv", "sync socket", -rc);
  if (m.type != SyncType::kHostReady) return child_fail(ctx, "recv", "sync socket", EPROTO);
  return true;
}

// With init = false, PID 1 is the command itself: a missing one is create's
// error (as runc reports it), not a container that exits 127 after start.
bool find_command(ChildContext& ctx) noexcept {
  if (!ctx.command_paths) return true;
  int error_number = ENOENT;
  for (char* const* path = ctx.command_paths; *path; ++path) {
    if (ctx.kernel->faccessat(AT_FDCWD, *path, X_OK, AT_EACCESS) == 0) return true;
    if (errno == EACCES) error_number = EACCES;
  }
  const auto& args = ctx.process->args;
  return child_fail(ctx, "execve", args.empty() ? nullptr : args[0].c_str(), error_number);
}

// The start gate: everything is set up; tell `create` so, then block until
// `start` writes a byte (the gate is a FIFO we hold open read-write, so the
// read blocks and a writer never needs to wait for us).
bool wait_for_start(ChildContext& ctx) noexcept {
  if (ctx.start_gate_fd < 0) return true;
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kCreated));
  if (rc < 0) return child_fail(ctx, "sendmsg", "sync socket", -rc);
  char byte;
  ssize_t n;
  while ((n = ctx.kernel->read(ctx.start_gate_fd, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) return child_fail(ctx, "read", "start gate", n < 0 ? errno : EPIPE);
  ctx.kernel->close(ctx.start_gate_fd);
  ctx.start_gate_fd = -1;
  return true;
}

// init inherits the socket to report a failing execve of the command; it
// makes the socket close-on-exec again before anything else.
bool hand_sync_socket_to_init(ChildContext& ctx) noexcept {
  if (!ctx.init_reports_exec) return true;
  if (ctx.kernel->keep_open_on_exec(ctx.sync_fd) < 0)
    return child_fail(ctx, "fcntl", "sync socket", errno);
  return true;
}

bool open_pty(ChildContext& ctx) noexcept {
  if (!ctx.process->terminal) return true;
  // The container's own devpts instance: under the rootfs before pivot_root
  // (run), at "/" once its mount namespace is joined (exec).
  constexpr const char* kPtmx = "/dev/pts/ptmx";
  int master = ctx.root_fd >= 0 ? ctx.kernel->open_in_root(ctx.root_fd, kPtmx, O_RDWR | O_NOCTTY)
                                : ctx.kernel->open(kPtmx, O_RDWR | O_NOCTTY);
  if (master < 0) return child_fail(ctx, "open", kPtmx, errno);
  int unlock = 0;
  if (ctx.kernel->ioctl(master, TIOCSPTLCK, &unlock) < 0)
    return child_fail(ctx, "ioctl", "TIOCSPTLCK", errno);
  ctx.pty_slave = ctx.kernel->ioctl(master, TIOCGPTPEER,
                                    reinterpret_cast<void*>(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (ctx.pty_slave < 0) return child_fail(ctx, "ioctl", "TIOCGPTPEER", errno);
  const ProcessPlan& p = *ctx.process;
  if (p.console_rows != 0 || p.console_columns != 0) {
    winsize size{};
    size.ws_row = p.console_rows;
    size.ws_col = p.console_columns;
    if (ctx.kernel->ioctl(master, TIOCSWINSZ, &size) < 0)
      return child_fail(ctx, "ioctl", "TIOCSWINSZ", errno);
  }
  // The terminal is the process user's (its group stays devpts' gid=). An
  // unmapped uid (EINVAL) or owner (EPERM) leaves it root's, as runc does.
  if (p.uid != 0 && ctx.kernel->fchown(ctx.pty_slave, p.uid, static_cast<gid_t>(-1)) < 0 &&
      errno != EINVAL && errno != EPERM)
    return child_fail(ctx, "fchown", "pty", errno);
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kPtyMaster), master);
  ctx.kernel->close(master);
  if (rc < 0) return child_fail(ctx, "sendmsg", "pty master", -rc);
  return true;
}

// A session of its own, with or without a terminal, as conmon gives podman's
// containers: the caller's terminal is not its controlling terminal (no
// TIOCSTI into the host shell through an inherited tty fd, no job-control
// signals from it: sandbox forwards them), and the scheduler's autogroup is
// the container's own, not shared with whatever else runs in the session.
bool new_session(ChildContext& ctx) noexcept {
  if (ctx.kernel->setsid() < 0) return child_fail(ctx, "setsid", nullptr, errno);
  return true;
}

namespace {

bool dup_stdio(ChildContext& ctx, int source, int last) noexcept {
  for (int fd = 0; fd <= last; ++fd)
    if (ctx.kernel->dup2(source, fd) < 0) return child_fail(ctx, "dup2", "stdio", errno);
  return true;
}

}  // namespace

// -t: the pty is the controlling terminal and stdio; exec -d: /dev/null;
// else the caller's stdio (stdin only with -i), stdout and stderr replaced
// by the pipes the parent copies to the log, when it made them.
bool set_stdio(ChildContext& ctx) noexcept {
  if (ctx.process->terminal) {
    if (ctx.kernel->ioctl(ctx.pty_slave, TIOCSCTTY, nullptr) < 0)
      return child_fail(ctx, "ioctl", "TIOCSCTTY", errno);
    return dup_stdio(ctx, ctx.pty_slave, 2);
  }
  if (ctx.detach) return dup_stdio(ctx, ctx.null_fd, 2);
  if (ctx.stdout_fd >= 0 && ctx.kernel->dup2(ctx.stdout_fd, 1) < 0)
    return child_fail(ctx, "dup2", "stdout", errno);
  if (ctx.stderr_fd >= 0 && ctx.kernel->dup2(ctx.stderr_fd, 2) < 0)
    return child_fail(ctx, "dup2", "stderr", errno);
  return ctx.process->stdin_open || dup_stdio(ctx, ctx.null_fd, 0);
}

bool set_umask(ChildContext& ctx) noexcept {
  if (ctx.process->umask) ctx.kernel->umask(*ctx.process->umask);
  return true;
}

bool enter_workdir(ChildContext& ctx) noexcept {
  if (ctx.kernel->chdir(ctx.process->cwd.c_str()) < 0)
    return child_fail(ctx, "chdir", ctx.process->cwd.c_str(), errno);
  return true;
}

bool switch_user(ChildContext& ctx) noexcept {
  const ProcessPlan& p = *ctx.process;
  // A non-root user keeps its permitted set across setresuid, so that
  // apply_security can still cut the bounding set and set the caps.
  if (p.uid != 0 && ctx.kernel->prctl(PR_SET_KEEPCAPS, 1) < 0)
    return child_fail(ctx, "prctl", "PR_SET_KEEPCAPS", errno);
  // setgroups is denied in a namespace with a one-id map and no newgidmap.
  // keep-groups: the caller's groups stay, as crun's keep_original_groups.
  if (!p.keep_groups &&
      ctx.kernel->setgroups(p.additional_gids.size(), p.additional_gids.data()) < 0 &&
      !(errno == EPERM && p.additional_gids.empty()))
    return child_fail(ctx, "setgroups", nullptr, errno);
  if (ctx.kernel->setresgid(p.gid) < 0) return child_fail(ctx, "setresgid", nullptr, errno);
  if (ctx.kernel->setresuid(p.uid) < 0) return child_fail(ctx, "setresuid", nullptr, errno);
  return true;
}

// rlimits, capabilities (KEEPCAPS cleared), no_new_privs, seccomp last, in
// the order policy.hpp documents; names the failing one.
bool apply_security(ChildContext& ctx) noexcept {
  const char* failed = nullptr;
  if (int err = security::apply_security_plan(*ctx.security, *ctx.kernel, &failed))
    return child_fail(ctx, failed ? failed : "security", nullptr, err);
  return true;
}

// The sealed init memfd, never the host's binary: /proc/self/exe in the
// container is always that memfd (CVE-2019-5736).
bool exec_init(ChildContext& ctx) noexcept {
  // Die with sandbox, unless detached (exec -d): a foreground container or
  // command must not outlive its parent.
  if (!ctx.detach && !ctx.outlive_parent) ctx.kernel->prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (ctx.kernel->execveat(ctx.init_fd, ctx.init_argv, ctx.envp) == 0) return true;  // a fake
  return child_fail(ctx, "execveat", "init", errno);
}

}  // namespace sbx::launch::detail
