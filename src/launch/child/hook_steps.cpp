// The OCI hooks that run inside the container's namespaces (config.json's
// createContainer and startContainer), each with the state JSON on stdin. A
// hook that fails, or outlives its timeout, fails the container.
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "child/child.hpp"

namespace sbx::launch::detail {
namespace {

// Static: the text outlives the step, the failure report points into it.
char hook_failure[256];

// "bad system call", as Go and so runc's messages put it; static, untranslated.
const char* signal_description(int signal) noexcept {
  static char text[64];
  const char* described = ::sigdescr_np(signal);
  std::snprintf(text, sizeof text, "%s", described ? described : "unknown signal");
  if (text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// The step's name says which hooks: the text says which one and how.
bool hook_failed(ChildContext& ctx, const HookCall& hook, int status) noexcept {
  if (status < 0 && errno == ETIMEDOUT)
    std::snprintf(hook_failure, sizeof hook_failure, "%s still ran after %d s (killed)", hook.path,
                  hook.timeout_seconds);
  else if (status < 0)
    std::snprintf(hook_failure, sizeof hook_failure, "%s: %s", hook.path, std::strerror(errno));
  else if (WIFSIGNALED(status))
    std::snprintf(hook_failure, sizeof hook_failure, "%s was killed by signal %d (%s)", hook.path,
                  WTERMSIG(status), signal_description(WTERMSIG(status)));
  else if (WEXITSTATUS(status) == 127)
    std::snprintf(hook_failure, sizeof hook_failure, "%s exited with status 127 (not found?)",
                  hook.path);
  else
    std::snprintf(hook_failure, sizeof hook_failure, "%s exited with status %d", hook.path,
                  WEXITSTATUS(status));
  return child_fail(ctx, hook_failure, nullptr, 0);
}

bool run_hooks(ChildContext& ctx, std::span<const HookCall> hooks, const char* status) noexcept {
  if (hooks.empty()) return true;
  char pid[24];
  int pid_size = std::snprintf(pid, sizeof pid, "%d", static_cast<int>(ctx.kernel->getpid()));
  char status_and_pid[64];
  int head_size = std::snprintf(status_and_pid, sizeof status_and_pid, "%s\",\"pid\":%.*s}", status,
                                pid_size, pid);
  iovec state[] = {{const_cast<char*>(ctx.hook_state_prefix), std::strlen(ctx.hook_state_prefix)},
                   {status_and_pid, static_cast<size_t>(head_size)}};
  for (const HookCall& hook : hooks) {
    int result =
        ctx.kernel->run_program(hook.path, hook.argv, hook.envp, state, 2, hook.timeout_seconds);
    if (result < 0 || !WIFEXITED(result) || WEXITSTATUS(result) != 0)
      return hook_failed(ctx, hook, result);
  }
  return true;
}

}  // namespace

// Before pivot_root, after the host side's prestart and createRuntime hooks:
// the hook's path is the host's, its namespaces the container's.
bool run_create_container_hooks(ChildContext& ctx) noexcept {
  return run_hooks(ctx, ctx.create_container_hooks, "creating");
}

// After `start` opened the gate, before the container's process: whoever
// created the container may be gone by now, so the failure also goes to the
// container's stderr.
bool run_start_container_hooks(ChildContext& ctx) noexcept {
  if (run_hooks(ctx, ctx.start_container_hooks, "created")) return true;
  char line[sizeof hook_failure + 64];
  int size =
      std::snprintf(line, sizeof line, "sandbox-runtime: error running hook (startContainer): %s\n",
                    hook_failure);
  if (size > 0) (void)ctx.kernel->write(STDERR_FILENO, line, static_cast<size_t>(size));
  return false;
}

}  // namespace sbx::launch::detail
