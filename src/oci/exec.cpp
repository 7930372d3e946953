// exec: a new process in a created or running container. Without --process
// the container's own process (from its saved config.json) gives the
// defaults, as runc does; the launcher's exec joins the namespaces that
// differ from ours, forks into its pid namespace and execs.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

#include "console_socket.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/oci/config.hpp"
#include "sandbox/oci/plan.hpp"
#include "sandbox/oci/runtime.hpp"

namespace sbx::oci {
namespace {

Result<Process> process_from_file(const std::string& path) {
  std::string text = SBX_TRY_CTX(read_file(path), "--process");
  // The process object alone, parsed by the config parser's own rules.
  auto config = with_context(parse_config(R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},)"
                                          R"("process":)" +
                                          text + "}"),
                             "--process " + path);
  if (!config) return fail(config.error());
  return config->process;
}

Result<uint32_t> parse_id(const std::string& text, std::string_view what) {
  char* end = nullptr;
  unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value > UINT32_MAX)
    return fail("--user: invalid " + std::string(what) + " \"" + text + "\"");
  return static_cast<uint32_t>(value);
}

// --process, or the container's process with args, env, cwd, user, caps and
// tty replaced or added.
Result<Process> exec_process(const Config& config, const ExecOptions& o) {
  if (!o.process_file.empty()) return process_from_file(o.process_file);
  if (o.args.empty()) return fail("exec: a command (or --process) is needed");
  Process p = config.process;
  p.args = o.args;
  p.terminal = o.tty;
  p.env.insert(p.env.end(), o.env.begin(), o.env.end());
  if (!o.cwd.empty()) p.cwd = o.cwd;
  if (!o.user.empty()) {
    auto colon = o.user.find(':');
    p.user.uid = SBX_TRY(parse_id(o.user.substr(0, colon), "uid"));
    if (colon != std::string::npos) p.user.gid = SBX_TRY(parse_id(o.user.substr(colon + 1), "gid"));
    p.user.additional_gids.clear();
  }
  if (!o.caps.empty()) {
    if (!p.capabilities) p.capabilities.emplace();
    for (auto* set :
         {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted})
      set->insert(set->end(), o.caps.begin(), o.caps.end());
  }
  return p;
}

// The namespaces of `pid` that are not ours: the ones to join.
int namespaces_to_join(pid_t pid) {
  constexpr std::array<std::pair<const char*, int>, 7> kTypes = {{{"user", CLONE_NEWUSER},
                                                                  {"mnt", CLONE_NEWNS},
                                                                  {"pid", CLONE_NEWPID},
                                                                  {"uts", CLONE_NEWUTS},
                                                                  {"ipc", CLONE_NEWIPC},
                                                                  {"net", CLONE_NEWNET},
                                                                  {"cgroup", CLONE_NEWCGROUP}}};
  int out = 0;
  for (auto [name, type] : kTypes) {
    std::error_code a, b;
    auto theirs = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + name, a);
    auto ours = std::filesystem::read_symlink(std::string("/proc/self/ns/") + name, b);
    if (!a && !b && theirs != ours) out |= type;
  }
  return out;
}

// The container's time namespace when it has one of its own: init's
// time_for_children, since a time namespace is entered by execve and a
// created init has not exec'd yet (its "time" is still ours then).
Result<UniqueFd> open_time_namespace(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/time_for_children";
  std::error_code a, b;
  auto theirs = std::filesystem::read_symlink(path, a);
  auto ours = std::filesystem::read_symlink("/proc/self/ns/time_for_children", b);
  if (a || b || theirs == ours) return UniqueFd();  // none (or a kernel without them)
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("open", path);
  return fd;
}

Result<UniqueFd> hold_init(const ContainerState& state) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, state.pid, 0)));
  if (!fd || containers::process_start_time(state.pid) != state.pid_start_time)
    return fail("cannot exec in a stopped container");
  return fd;
}

}  // namespace

Result<int> exec_in_container(const StateDir& dir, const ExecOptions& o) {
  auto state = SBX_TRY(dir.read(o.id));
  if (status_of(dir, state) == ContainerStatus::kStopped)
    return fail("cannot exec in a stopped container");
  auto config = SBX_TRY(read_saved_config(dir, o.id));
  auto pidfd = SBX_TRY(hold_init(state));
  Process process = SBX_TRY(exec_process(config, o));
  // A terminal goes to --console-socket; without one a foreground exec relays
  // it to our own stdio, as runc does.
  UniqueFd console;
  if (process.terminal && !o.console_socket.empty())
    console = SBX_TRY(connect_console_socket(o.console_socket));
  else if (process.terminal && o.detach)
    return fail("exec --detach with a terminal needs --console-socket to receive the pty");
  launch::ExecPlan plan;
  plan.process = SBX_TRY(plan_process(process));
  plan.command_paths = launch::command_search_paths(plan.process.args[0], plan.process.env);
  plan.namespaces = namespaces_to_join(state.pid);
  UniqueFd time_namespace = SBX_TRY(open_time_namespace(state.pid));
  plan.time_namespace_fd = time_namespace.get();
  plan.security = SBX_TRY(plan_security(process, config.linux));
  plan.detach = o.detach;
  plan.detach_keeps_stdio = true;
  plan.cgroup = state.cgroup;
  auto started = [&](pid_t pid, UniqueFd& pty) -> Status {
    if (pty && console) {
      SBX_TRY(send_pty_master(console.get(), pty.get()));
      pty.reset();
    }
    if (o.pid_file.empty()) return {};
    return with_context(
        write_file_atomic(o.pid_file, std::to_string(pid), 0644, Durability::kVolatile),
        "--pid-file");
  };
  auto outcome = SBX_TRY(launch::exec_plan_in(plan, pidfd.get(), started));
  if (outcome.error) return fail(*outcome.error);
  return outcome.exit_code;
}

}  // namespace sbx::oci
