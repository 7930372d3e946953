// --pid and --ipc container:NAME: the other container found, checked, and
// its namespaces opened for the spawn (share_namespaces.hpp).
#include "share_namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include "sandbox/containers/namespace_flags.hpp"

namespace sbx::launch {
namespace {

using containers::NamespaceShare;

std::string ns_path_of(pid_t pid, const char* type) {
  return "/proc/" + std::to_string(pid) + "/ns/" + type;
}

// The running container that `option`'s container:NAME (`mode`) names, with
// the same --userns as the one being made (its user namespace is joined).
Result<containers::ContainerInfo> running_share_target(const containers::Containers& containers,
                                                       const std::string& option,
                                                       const std::string& mode,
                                                       const containers::ContainerSpec& spec) {
  std::string flag = option + " " + mode;
  auto id = SBX_TRY_CTX(containers.resolve(containers::namespace_share_target(mode)), flag);
  auto info = SBX_TRY(containers.info(id));
  if (info.status != containers::ContainerStatus::kRunning || !info.runtime)
    return fail(Error(flag + ": container " + info.name + " is not running", EINVAL)
                    .with_hint("start it first (sandbox start " + info.name + ")"));
  if (info.spec.keep_id != spec.keep_id)
    return fail(Error(flag + ": container " + info.name + " runs with another --userns", EINVAL)
                    .with_hint("its user namespace is joined: give the same --userns as it has"));
  return info;
}

// Whether the target has a namespace of its own to share (by its mode for
// `option`), or why not.
Status check_own_namespace(const std::string& option, const std::string& mode,
                           const containers::ContainerInfo& target,
                           const std::string& target_mode) {
  std::string flag = option + " " + mode;
  if (target_mode == "private")
    return fail(Error(flag + ": container " + target.name + " has a private IPC namespace", EINVAL)
                    .with_hint("run it with --ipc shareable (the default) to share it"));
  if (containers::namespace_share(target_mode) == NamespaceShare::kOwn) return {};
  return fail(Error(flag + ": container " + target.name + " has no namespace of its own (" +
                        option + " " + target_mode + ")",
                    EINVAL)
                  .with_hint("use " + option + " " + target_mode + " directly"));
}

bool same_user_namespace(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

}  // namespace

Result<SharedNamespaces> resolve_shared_namespaces(const containers::Containers& containers,
                                                   const containers::ContainerSpec& spec) {
  SharedNamespaces shared;
  if (containers::namespace_share(spec.pid_mode) == NamespaceShare::kContainer) {
    auto target = SBX_TRY(running_share_target(containers, "--pid", spec.pid_mode, spec));
    SBX_TRY(check_own_namespace("--pid", spec.pid_mode, target, target.spec.pid_mode));
    shared.userns = ns_path_of(target.runtime->pid, "user");
    shared.pidns = ns_path_of(target.runtime->pid, "pid");
  }
  if (containers::namespace_share(spec.ipc_mode) == NamespaceShare::kContainer) {
    auto target = SBX_TRY(running_share_target(containers, "--ipc", spec.ipc_mode, spec));
    SBX_TRY(check_own_namespace("--ipc", spec.ipc_mode, target, target.spec.ipc_mode));
    std::string userns = ns_path_of(target.runtime->pid, "user");
    if (!shared.userns.empty() && !same_user_namespace(shared.userns, userns))
      return fail(Error("--pid " + spec.pid_mode + " and --ipc " + spec.ipc_mode +
                            ": the two containers have different user namespaces",
                        EINVAL)
                      .with_hint("share the pid and IPC namespaces of one container"));
    shared.userns = userns;
    shared.ipcns = ns_path_of(target.runtime->pid, "ipc");
    if (target.spec.ipc_mode != "none") shared.shm_mntns = ns_path_of(target.runtime->pid, "mnt");
  }
  return shared;
}

Result<SharedNamespaceFds> open_shared_namespaces(const SharedNamespaces& shared) {
  SharedNamespaceFds out;
  auto open_ns = [](const std::string& path) -> Result<UniqueFd> {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
      return fail(Error::from_errno("open", path)
                      .with_hint("the container whose namespaces are shared has stopped"));
    return fd;
  };
  const std::pair<const std::string*, int> kinds[] = {{&shared.userns, CLONE_NEWUSER},
                                                      {&shared.pidns, CLONE_NEWPID},
                                                      {&shared.ipcns, CLONE_NEWIPC}};
  for (auto [path, type] : kinds) {
    if (path->empty()) continue;
    UniqueFd fd = SBX_TRY(open_ns(*path));
    out.fds.push_back(std::move(fd));
    out.types |= type;
  }
  if (!shared.shm_mntns.empty()) out.shm_mntns = SBX_TRY(open_ns(shared.shm_mntns));
  return out;
}

}  // namespace sbx::launch
