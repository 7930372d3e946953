// exec's two processes (the protocol is drawn in exec_spawn.hpp): the joiner,
// a fork of sandbox that enters the container's namespaces, and the command
// it forks into the container's pid namespace, which ends like run's child.
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "child/child.hpp"
#include "sandbox/base/sync_message.hpp"

namespace sbx::launch::detail {
namespace {

bool make_undumpable(ChildContext& ctx) noexcept {
  // Until execve this process runs the host's sandbox binary inside the
  // container's pid namespace: no one in there may open /proc/<pid>/exe,
  // its fds or memory (CVE-2019-5736). execve makes the command dumpable.
  if (ctx.kernel->prctl(PR_SET_DUMPABLE, 0) < 0)
    return child_fail(ctx, "prctl", "PR_SET_DUMPABLE", errno);
  return true;
}

constexpr Step kJoinerSteps[] = {
    {"make undumpable", make_undumpable},
    {"close host fds", close_host_fds},
    {"reset signals", reset_signals},
    {"join the container's namespaces", join_namespaces},
};

// run's last steps, in the same order; the joiner already closed the host's
// fds and reset the signals.
constexpr Step kCommandSteps[] = {
    {"wait for host side", wait_for_host},
    {"open pty", open_pty},
    {"start a session", new_session},
    {"set stdio", set_stdio},
    {"join a new session keyring", join_session_keyring},
    {"set umask", set_umask},
    {"enter working directory", enter_workdir},
    {"switch user", switch_user},
    {"apply security", apply_security},
    {"hand the sync socket to init", hand_sync_socket_to_init},
    {"exec init", exec_init},
};

}  // namespace

std::span<const Step> exec_joiner_steps() noexcept { return kJoinerSteps; }
std::span<const Step> exec_command_steps() noexcept { return kCommandSteps; }

void run_exec_joiner(ChildContext& ctx) noexcept {
  run_steps_or_exit(ctx, kJoinerSteps);
  // The command is the parent's child (CLONE_PARENT): sandbox exec waits for
  // it and gets its real exit status. A pid namespace is entered by children.
  long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) {
    run_steps_or_exit(ctx, kCommandSteps);
    ::_exit(125);  // exec_init only returns by failing
  }
  if (pid < 0) {
    send_sync(ctx.sync_fd, make_sync_error(errno, "fork into the container", "clone", nullptr));
    ::_exit(125);
  }
  SyncMessage m = make_sync_message(SyncType::kExecPid);
  m.error_number = static_cast<int32_t>(pid);
  ::_exit(send_sync(ctx.sync_fd, m) < 0 ? 125 : 0);
}

}  // namespace sbx::launch::detail
