// The container's saved spec + exec flags -> ExecPlan. Pure.
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/base/strings.hpp"
#include "sandbox/containers/namespace_flags.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/launch/users.hpp"

namespace sbx::launch {
namespace {

// The container's user, or -u; keep-id containers run as the invoking user.
Result<ResolvedUser> exec_user(const containers::ContainerSpec& container, const ExecFlags& flags,
                               const ExecInputs& in) {
  std::string user = flags.user.empty() ? container.user : flags.user;
  if (user.empty() && container.keep_id)
    user = std::to_string(in.host_uid) + ":" + std::to_string(in.host_gid);
  return with_context(resolve_user(user, in.passwd, in.group), "user");
}

Result<ProcessPlan> exec_process(const containers::ContainerSpec& container, const ExecFlags& flags,
                                 const ExecInputs& in) {
  if (flags.command.empty() || flags.command[0].empty())
    return fail("exec needs a command to run in the container");
  ProcessPlan p;
  p.args = flags.command;
  p.terminal = flags.tty && !flags.detach;
  p.stdin_open = flags.interactive && !flags.detach;
  p.env = SBX_TRY(containers::merge_env(container.env, flags.env, "", p.terminal));
  p.cwd = flags.workdir.empty() ? container.cwd : flags.workdir;
  if (!p.cwd.starts_with('/'))
    return fail("the working directory '" + p.cwd + "' is invalid: it must be absolute");
  auto who = SBX_TRY(exec_user(container, flags, in));
  p.uid = who.uid;
  p.gid = who.gid;
  p.additional_gids = who.additional_gids;
  p.keep_groups = containers::keeps_groups(container);  // the container's groups, as run's
  std::vector<uint32_t> added;
  if (!p.keep_groups)
    added = SBX_TRY_CTX(resolve_group_add(container.group_add, in.group), "--group-add");
  for (uint32_t g : added)
    if (std::ranges::find(p.additional_gids, g) == p.additional_gids.end())
      p.additional_gids.push_back(g);
  if (std::ranges::none_of(p.env, [](const std::string& e) { return e.starts_with("HOME="); }))
    p.env.push_back("HOME=" + who.home);
  return p;
}

}  // namespace

Result<ExecPlan> make_exec_plan(const containers::ContainerSpec& container, const ExecFlags& flags,
                                const ExecInputs& inputs) {
  ExecPlan plan;
  plan.process = SBX_TRY(exec_process(container, flags, inputs));
  plan.command_paths = command_search_paths(plan.process.args[0], plan.process.env);
  // The host's network namespace (--network host) cannot be joined from the
  // container's user namespace, and needs no joining.
  plan.namespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                    CLONE_NEWCGROUP |
                    (container.network == containers::NetworkMode::kHost ? 0 : CLONE_NEWNET);
  // Nor the host's pid and IPC namespaces (--pid host, --ipc host).
  if (containers::namespace_share(container.pid_mode) == containers::NamespaceShare::kHost)
    plan.namespaces &= ~CLONE_NEWPID;
  if (containers::namespace_share(container.ipc_mode) == containers::NamespaceShare::kHost)
    plan.namespaces &= ~CLONE_NEWIPC;
  plan.security = inputs.security;
  if (container.security.privileged || flags.privileged) plan.security.seccomp.reset();
  plan.detach = flags.detach;
  return plan;
}

std::vector<std::string> command_search_paths(const std::string& command,
                                              const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return {command};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env)
    if (e.starts_with("PATH=")) path = e.substr(5);
  std::vector<std::string> out;
  for (const auto& dir : split(path, ':'))  // an empty entry is the working directory
    out.push_back((dir.empty() ? std::string(".") : dir) + "/" + command);
  return out;
}

int exit_code_for_exec_errno(int error_number) {
  return error_number == ENOENT || error_number == ENOTDIR ? 127 : 126;
}

Error command_exec_error(const std::string& command, int error_number) {
  std::string head = "exec \"" + command + "\": ";
  if (error_number == ENOENT && command.find('/') == std::string::npos)
    return Error(head + "executable file not found in $PATH", ENOENT);
  return Error(head + std::strerror(error_number), error_number);
}

}  // namespace sbx::launch
