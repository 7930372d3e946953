// The exec children's steps, top to bottom as the kernel sees them (the
// protocol is drawn in exec_spawn.hpp). Allocation-free and noexcept: the
// first failing step is reported to the parent and the process _exits.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "child/credentials.hpp"
#include "exec_spawn.hpp"
#include "sandbox/security/policy.hpp"
#include "sync.hpp"

namespace sbx::launch::detail {
namespace {

using Ctx = ExecChildContext;

bool fail_step(Ctx& ctx, const char* syscall, const char* path, int error_number) noexcept {
  ctx.failed_syscall = syscall;
  ctx.failed_path = path;
  ctx.failed_errno = error_number;
  return false;
}

struct Step {
  const char* name;
  bool (*run)(Ctx&) noexcept;
};

template <size_t N>
void run_steps(Ctx& ctx, const Step (&steps)[N]) noexcept {
  for (const Step& step : steps) {
    if (step.run(ctx)) continue;
    send_sync(ctx.sync_fd,
              make_sync_error(ctx.failed_errno, step.name, ctx.failed_syscall, ctx.failed_path));
    ::_exit(125);
  }
}

// ---- the joiner (a plain fork of sandbox, still in the host's namespaces) ----

bool make_undumpable(Ctx& ctx) noexcept {
  // Until execve this process runs the host's sandbox binary inside the
  // container's pid namespace: no one in there may open /proc/<pid>/exe,
  // its fds or memory (CVE-2019-5736). execve makes the command dumpable.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return fail_step(ctx, "prctl", "PR_SET_DUMPABLE", errno);
  return true;
}

bool close_host_fds(Ctx& ctx) noexcept {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return fail_step(ctx, "close_range", nullptr, errno);
  return true;
}

bool reset_signals(Ctx&) noexcept {
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  return true;
}

bool join_namespaces(Ctx& ctx) noexcept {
  // One call through the pidfd: the kernel enters the user namespace first
  // and checks the others with the credentials gained there, all or nothing.
  if (::setns(ctx.pidfd, ctx.plan->namespaces) < 0)
    return fail_step(ctx, "setns", "the container's PID 1", errno);
  return true;
}

// ---- the command (forked by the joiner into the container's pid namespace) ----

bool wait_for_host(Ctx& ctx) noexcept {
  SyncMessage m;
  int rc = receive_sync_raw(ctx.sync_fd, m);
  if (rc < 0) return fail_step(ctx, "recv", "sync socket", -rc);
  if (m.type != SyncType::kHostReady) return fail_step(ctx, "recv", "sync socket", EPROTO);
  return true;
}

bool open_pty(Ctx& ctx) noexcept {
  if (!ctx.plan->process.terminal) return true;
  // setns(mnt) put our root at the container's: this is its own devpts.
  int master = ::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail_step(ctx, "open", "/dev/pts/ptmx", errno);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) < 0) return fail_step(ctx, "ioctl", "TIOCSPTLCK", errno);
  ctx.pty_slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (ctx.pty_slave < 0) return fail_step(ctx, "ioctl", "TIOCGPTPEER", errno);
  int rc = send_sync(ctx.sync_fd, make_sync_message(SyncType::kPtyMaster), master);
  ::close(master);
  if (rc < 0) return fail_step(ctx, "sendmsg", "pty master", -rc);
  return true;
}

bool dup_stdio(Ctx& ctx, int source, int last) noexcept {
  for (int fd = 0; fd <= last; ++fd)
    if (::dup2(source, fd) < 0) return fail_step(ctx, "dup2", "stdio", errno);
  return true;
}

// Always a session of its own (as the container's init: our terminal is never
// its controlling terminal). -t: the pty is; -d: /dev/null; else our stdio
// (stdin only with -i).
bool set_stdio(Ctx& ctx) noexcept {
  const ExecPlan& plan = *ctx.plan;
  if (::setsid() < 0) return fail_step(ctx, "setsid", nullptr, errno);
  if (plan.process.terminal) {
    if (::ioctl(ctx.pty_slave, TIOCSCTTY, 0) < 0)
      return fail_step(ctx, "ioctl", "TIOCSCTTY", errno);
    return dup_stdio(ctx, ctx.pty_slave, 2);
  }
  if (plan.detach) return dup_stdio(ctx, ctx.null_fd, 2);
  return plan.process.stdin_open || dup_stdio(ctx, ctx.null_fd, 0);
}

bool join_session_keyring(Ctx& ctx) noexcept {
  CredentialFailure f = join_new_session_keyring();
  return f.error == 0 || fail_step(ctx, f.syscall, f.path, f.error);
}

bool enter_workdir(Ctx& ctx) noexcept {
  if (::chdir(ctx.plan->process.cwd.c_str()) < 0)
    return fail_step(ctx, "chdir", ctx.plan->process.cwd.c_str(), errno);
  return true;
}

bool switch_user(Ctx& ctx) noexcept {
  CredentialFailure f = switch_to_process_user(ctx.plan->process);
  return f.error == 0 || fail_step(ctx, f.syscall, f.path, f.error);
}

bool apply_security(Ctx& ctx) noexcept {
  const char* failed = nullptr;
  if (int err = security::apply_security_plan(ctx.plan->security, &failed))
    return fail_step(ctx, failed ? failed : "security", nullptr, err);
  return true;
}

// init (--exec mode) inherits the socket to report a failing execve of the
// command; it makes the socket close-on-exec again before anything else.
bool hand_sync_socket_to_init(Ctx& ctx) noexcept {
  if (::fcntl(ctx.sync_fd, F_SETFD, 0) < 0) return fail_step(ctx, "fcntl", "sync socket", errno);
  return true;
}

// Never execve the command from here: this process runs the host's sandbox
// binary, and a command that is a script with `#!/proc/self/exe` would make
// the kernel run that binary inside the container, where container root could
// reopen it for writing once it exits (CVE-2019-5736). The sealed init memfd
// execs the command instead, so /proc/self/exe is always that memfd.
bool exec_init(Ctx& ctx) noexcept {
  // Without -d the command dies with sandbox exec, as run's container does.
  if (!ctx.plan->detach) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  ::syscall(SYS_execveat, ctx.init_fd, "", ctx.init_argv, ctx.envp, AT_EMPTY_PATH);
  return fail_step(ctx, "execveat", "init", errno);
}

constexpr Step kJoinerSteps[] = {
    {"make undumpable", make_undumpable},
    {"close host fds", close_host_fds},
    {"reset signals", reset_signals},
    {"join the container's namespaces", join_namespaces},
};

constexpr Step kCommandSteps[] = {
    {"wait for host side", wait_for_host},
    {"open pty", open_pty},
    {"set stdio", set_stdio},
    {"join a new session keyring", join_session_keyring},
    {"enter working directory", enter_workdir},
    {"switch user", switch_user},
    {"apply security", apply_security},
    {"hand the sync socket to init", hand_sync_socket_to_init},
    {"exec init", exec_init},
};

[[noreturn]] void run_exec_command(Ctx& ctx) noexcept {
  run_steps(ctx, kCommandSteps);
  ::_exit(125);  // exec_init only returns by failing
}

}  // namespace

void run_exec_joiner(ExecChildContext& ctx) noexcept {
  run_steps(ctx, kJoinerSteps);
  // The command is the parent's child (CLONE_PARENT): sandbox exec waits for
  // it and gets its real exit status. A pid namespace is entered by children.
  long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) run_exec_command(ctx);
  if (pid < 0) {
    send_sync(ctx.sync_fd, make_sync_error(errno, "fork into the container", "clone", nullptr));
    ::_exit(125);
  }
  SyncMessage m = make_sync_message(SyncType::kExecPid);
  m.error_number = static_cast<int32_t>(pid);
  ::_exit(send_sync(ctx.sync_fd, m) < 0 ? 125 : 0);
}

}  // namespace sbx::launch::detail
