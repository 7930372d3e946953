// `sandbox exec`, one fallible step per line: find the running container,
// hold its PID 1 by pidfd, read what the plan needs, spawn, watch.
#include "sandbox/launch/exec.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "exec_spawn.hpp"
#include "run_inputs.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/store/store.hpp"
#include "supervise.hpp"

namespace sbx::launch {
namespace {

Error not_running(std::string_view asked) {
  return Error("container " + std::string(asked) + " is not running")
      .with_hint("start it with `sandbox start " + std::string(asked) + "`");
}

// A pidfd names one process for good: once the start time matches after
// opening it, a reused pid can no longer slip in between check and setns.
Result<UniqueFd> hold_container_init(const containers::ContainerInfo& info,
                                     std::string_view asked) {
  if (info.status != containers::ContainerStatus::kRunning || !info.runtime)
    return fail(not_running(asked));
  pid_t pid = info.runtime->pid;
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd && errno == ESRCH) return fail(not_running(asked));
  if (!fd) return fail_errno("pidfd_open", std::to_string(pid));
  if (containers::process_start_time(pid) != info.runtime->pid_start_time)
    return fail(not_running(asked));
  return fd;
}

// The container's files as its processes see them, without entering it:
// the vfs copy, or the upper dir over the image's layers.
std::vector<std::filesystem::path> container_layers(const store::Store& store,
                                                    const containers::ContainerInfo& info) {
  if (path_exists(info.store_dir / "rootfs")) return {info.store_dir / "rootfs"};
  std::vector<std::filesystem::path> layers{info.store_dir / "upper"};
  auto digest = image::Digest::parse(info.image_id);
  if (!digest) return layers;
  if (auto image = store.image(*digest))
    for (auto it = image->layers.rbegin(); it != image->layers.rend(); ++it)
      layers.push_back(store.layer_diff_dir(it->diff_id));
  return layers;
}

// PID 1's root as it is now, when we may look at it (it runs as the
// container's root, which is us); else nothing and the layers are read.
std::vector<std::filesystem::path> live_root(pid_t pid) {
  std::string root = "/proc/" + std::to_string(pid) + "/root";
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return {};
  return {root};
}

Result<ExecInputs> read_exec_inputs(const std::filesystem::path& store_root,
                                    const containers::ContainerInfo& info, bool privileged) {
  std::filesystem::path root = store_root.empty() ? SBX_TRY(default_store_root()) : store_root;
  auto files = live_root(info.runtime->pid);
  if (files.empty()) files = container_layers(SBX_TRY(store::Store::open(root)), info);
  ExecInputs in;
  in.passwd = read_image_file(files, "etc/passwd");
  in.group = read_image_file(files, "etc/group");
  in.host_uid = ::getuid();
  in.host_gid = ::getgid();
  security::SecurityOptions options = info.spec.security;
  options.privileged = options.privileged || privileged;
  in.security = SBX_TRY_CTX(plan_security(options, std::filesystem::absolute(root)), "security");
  return in;
}

Status place_in_cgroup(const std::filesystem::path& dir, pid_t pid) {
  auto procs = SBX_TRY(open_file(dir / "cgroup.procs", O_WRONLY | O_CLOEXEC));
  return write_all(procs.get(), std::to_string(pid));
}

// The command joins PID 1's cgroup when the container has one of its own.
Status join_cgroup(const containers::ContainerInfo& info, pid_t pid) {
  if (info.runtime->cgroup_path.empty()) return {};
  auto self = SBX_TRY(read_file("/proc/" + std::to_string(info.runtime->pid) + "/cgroup"));
  size_t at = self.find("0::");
  if (at == std::string::npos) return fail("no cgroup v2 line in /proc/<pid>/cgroup");
  std::string path = self.substr(at + 3, self.find('\n', at) - at - 3);
  return place_in_cgroup("/sys/fs/cgroup" + path, pid);
}

Error command_failed(const ExecPlan& plan, const Error& error) {
  return command_exec_error(plan.process.args[0], error.errno_value());
}

Result<ExecOutcome> start_and_wait(const ExecPlan& plan, int pidfd,
                                   const containers::ContainerInfo& info) {
  detail::BlockedSignals signals;  // none lost between spawn and supervise
  auto process = SBX_TRY(detail::ExecProcess::spawn(plan, pidfd));
  SBX_TRY_CTX(join_cgroup(info, process.pid()), "join the container's cgroup");
  auto failed = SBX_TRY(process.release_and_await_exec());
  if (failed)
    return ExecOutcome{exit_code_for_exec_errno(failed->errno_value()),
                       command_failed(plan, *failed)};
  if (plan.detach) {
    process.child().release();  // runs on; our exit hands it to the host's reaper
    return ExecOutcome{};
  }
  int status = SBX_TRY(detail::supervise(process.child(), signals, process.take_pty_master(),
                                         plan.process.stdin_open));
  return ExecOutcome{exit_code_of(status), std::nullopt};
}

}  // namespace

Result<ExecOutcome> exec_plan_in(const ExecPlan& plan, int pidfd,
                                 const std::function<Status(pid_t, UniqueFd&)>& on_started) {
  detail::BlockedSignals signals;
  auto process = SBX_TRY(detail::ExecProcess::spawn(plan, pidfd));
  if (!plan.cgroup.empty())
    SBX_TRY_CTX(place_in_cgroup(plan.cgroup, process.pid()), "join the container's cgroup");
  auto failed = SBX_TRY(process.release_and_await_exec());
  if (failed)
    return ExecOutcome{exit_code_for_exec_errno(failed->errno_value()),
                       command_failed(plan, *failed)};
  UniqueFd pty = process.take_pty_master();
  SBX_TRY(on_started(process.pid(), pty));
  if (plan.detach) {
    process.child().release();
    return ExecOutcome{};
  }
  bool relay = static_cast<bool>(pty);
  int status = SBX_TRY(detail::supervise(process.child(), signals, std::move(pty), relay));
  return ExecOutcome{exit_code_of(status), std::nullopt};
}

Result<ExecOutcome> exec_in_container(const ExecOptions& options) {
  const ExecFlags& flags = options.flags;
  auto containers = SBX_TRY(containers::Containers::open(options.store_root));
  std::string id = SBX_TRY(containers.resolve(flags.container));
  auto info = SBX_TRY(containers.info(id));
  UniqueFd pidfd = SBX_TRY(hold_container_init(info, flags.container));
  auto inputs = SBX_TRY(read_exec_inputs(options.store_root, info, flags.privileged));
  ExecFlags expanded = flags;
  expanded.env = SBX_TRY(collect_env(flags.env_files, flags.env));
  auto plan = SBX_TRY(make_exec_plan(info.spec, expanded, inputs));
  return start_and_wait(plan, pidfd.get(), info);
}

}  // namespace sbx::launch
