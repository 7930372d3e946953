// config.json -> LaunchPlan: root, namespaces, process, security. The
// launcher's child carries it out exactly as it does `sandbox run`'s plan.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/oci/plan.hpp"
#include "sandbox/oci/state.hpp"
#include "sandbox/security/capabilities.hpp"

namespace sbx::oci {
namespace {

// root.path: relative to the bundle and then confined to it (a rootfs that is
// a symlink out of the bundle is refused), or absolute (engines give their
// own mount point).
Result<std::filesystem::path> resolve_rootfs(const Root& root,
                                             const std::filesystem::path& bundle) {
  if (root.path.empty()) return fail("root.path: missing");
  std::filesystem::path path = root.path;
  if (path.is_relative()) {
    UniqueFd dir(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return fail_errno("open bundle", bundle.string());
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, dir.get(), root.path.c_str(), &how, sizeof how)));
    if (!fd && errno == EXDEV)
      return fail("root.path " + root.path + " leads out of the bundle " + bundle.string() +
                  " (through a symlink or ..)");
    if (!fd) return fail_errno("open root.path", (bundle / path).string());
    path = bundle / path;
  }
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path, ec);
  if (ec) return fail("root.path " + path.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(canonical, ec))
    return fail("root.path " + path.string() + " is not a directory");
  return canonical;
}

struct Namespaces {
  int all = 0;  // made and joined (clone's flags: a time namespace is apart)
  bool new_time = false;
  std::vector<std::pair<std::string, int>> join_paths;
};

Result<Namespaces> plan_namespaces(const Config& config, uid_t euid) {
  Namespaces ns;
  for (const auto& n : config.linux.namespaces) {
    if (n.type == CLONE_NEWTIME) {
      if (!path_exists("/proc/self/ns/time"))
        return fail(
            "linux.namespaces: this kernel has no time namespaces (Linux 5.6 or later "
            "with CONFIG_TIME_NS)");
      if (n.path.empty())
        ns.new_time = true;
      else
        ns.join_paths.emplace_back(n.path, n.type);
      continue;
    }
    ns.all |= n.type;
    if (n.path.empty()) continue;
    if (n.type == CLONE_NEWUSER)
      ns.join_paths.insert(ns.join_paths.begin(), {n.path, n.type});
    else
      ns.join_paths.emplace_back(n.path, n.type);
  }
  bool new_user = (ns.all & CLONE_NEWUSER) != 0;
  if (!new_user && euid != 0)
    return fail(Error("config.json has no user namespace, and only root can run a container "
                      "without one")
                    .with_hint("add a user namespace with uid and gid mappings "
                               "(`sandbox-runtime spec --rootless` writes one)"));
  if (!new_user && (!config.linux.uid_mappings.empty() || !config.linux.gid_mappings.empty()))
    return fail("linux.uidMappings: given without a user namespace");
  if (!config.linux.time_offsets.empty() && !ns.new_time)
    return fail(
        "linux.timeOffsets: given without a new time namespace (add {\"type\": \"time\"} "
        "to linux.namespaces)");
  if (!config.hostname.empty() && !(ns.all & CLONE_NEWUTS))
    return fail("hostname: setting it needs a uts namespace of the container's own");
  if (!config.domainname.empty() && !(ns.all & CLONE_NEWUTS))
    return fail("domainname: setting it needs a uts namespace of the container's own");
  return ns;
}

security::CapabilitySet capability_set(const std::vector<std::string>& names) {
  security::CapabilitySet set;
  for (const auto& name : names)
    if (auto number = security::capability_number(name)) set.add(*number);
  return set;
}

// The five sets exactly as config.json gives them (none given: none held).
security::CapabilitySets capability_sets(const Process& process) {
  if (!process.capabilities) return {};
  const Capabilities& c = *process.capabilities;
  return {capability_set(c.bounding), capability_set(c.effective), capability_set(c.permitted),
          capability_set(c.inheritable), capability_set(c.ambient)};
}

}  // namespace

Result<security::SecurityPlan> plan_security(const Process& p, const Linux& linux_config) {
  security::SecurityPlan plan;
  plan.capability_sets = capability_sets(p);
  // The set seccomp rules are resolved against (an OCI profile has no
  // capability conditions; docker-style ones see what the process holds).
  plan.capabilities = plan.capability_sets->permitted;
  plan.rlimits = p.rlimits;
  plan.no_new_privileges = p.no_new_privileges;
  if (linux_config.seccomp) {
    if (!linux_config.seccomp->listener_path.empty())
      return fail("linux.seccomp.listenerPath: seccomp notify agents are not supported");
    plan.seccomp =
        SBX_TRY_CTX(security::compile_seccomp(linux_config.seccomp->profile, plan.capabilities),
                    "linux.seccomp");
  }
  return plan;
}

Result<launch::ProcessPlan> plan_process(const Process& p) {
  if (p.args.empty()) return fail("process.args: empty");
  launch::ProcessPlan plan;
  plan.args = p.args;
  plan.env = p.env;
  plan.cwd = p.cwd.empty() ? "/" : p.cwd;
  plan.uid = p.user.uid;
  plan.gid = p.user.gid;
  plan.additional_gids = p.user.additional_gids;
  plan.terminal = p.terminal;
  if (p.user.umask) plan.umask = static_cast<mode_t>(*p.user.umask);
  if (p.console_size) {
    if (p.console_size->height > UINT16_MAX || p.console_size->width > UINT16_MAX)
      return fail("process.consoleSize: height and width must be below 65536");
    plan.console_rows = static_cast<uint16_t>(p.console_size->height);
    plan.console_columns = static_cast<uint16_t>(p.console_size->width);
  }
  plan.stdin_open = true;  // the engine's stdio goes straight to the container
  return plan;
}

namespace {

// createContainer and startContainer run in the container (launch's child):
// args as execve's argv, args[0] included.
launch::ContainerHooks plan_container_hooks(const Config& config, const std::string& id,
                                            const std::filesystem::path& bundle) {
  auto convert = [](const std::vector<Hook>& hooks) {
    std::vector<launch::ContainerHook> out;
    for (const Hook& hook : hooks)
      out.push_back({hook.path, hook.args.empty() ? std::vector{hook.path} : hook.args, hook.env,
                     hook.timeout.value_or(0)});
    return out;
  };
  launch::ContainerHooks hooks;
  hooks.create_container = convert(config.hooks.create_container);
  hooks.start_container = convert(config.hooks.start_container);
  if (!hooks.empty())
    hooks.state_prefix = hook_state_prefix(id, bundle.string(), config.annotations);
  return hooks;
}

Result<std::vector<std::pair<std::string, std::string>>> plan_sysctls(const Config& config) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : config.linux.sysctl) {
    if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos)
      return fail("linux.sysctl: invalid key \"" + key + "\"");
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    out.emplace_back(std::move(path), value);
  }
  return out;
}

// timens_offsets' lines: "monotonic SECS NANOSECS".
std::string time_offset_lines(const std::map<std::string, TimeOffset>& offsets) {
  std::string out;
  for (const auto& [clock, offset] : offsets)
    out += clock + " " + std::to_string(offset.secs) + " " + std::to_string(offset.nanosecs) + "\n";
  return out;
}

// proc and sysfs land on a directory of the image, never through a symlink
// (runc's rule; the child's RESOLVE_IN_ROOT would follow one inside the rootfs).
Status check_kernel_fs_targets(const std::vector<launch::PlanMount>& mounts,
                               const std::filesystem::path& rootfs) {
  for (const auto& m : mounts) {
    if (m.type != "proc" && m.type != "sysfs") continue;
    std::error_code ec;
    if (std::filesystem::is_symlink(rootfs / m.destination.substr(1), ec))
      return fail("mounts: " + m.destination + " is a symlink in the rootfs: " + m.type +
                  " must be mounted on ordinary directory");
  }
  return {};
}

}  // namespace

Result<OciPlan> plan_from_config(const Config& config, const std::string& id,
                                 const std::filesystem::path& bundle, uid_t euid) {
  OciPlan out;
  out.rootfs = SBX_TRY(resolve_rootfs(config.root, bundle));
  auto ns = SBX_TRY(plan_namespaces(config, euid));
  out.join_paths = ns.join_paths;
  out.oom_score_adj = config.process.oom_score_adj;
  out.cgroup = SBX_TRY(plan_resources(config.linux));

  launch::LaunchPlan& plan = out.launch;
  plan.id = id;
  plan.hostname = config.hostname;
  plan.domainname = config.domainname;
  // The rootfs is bound onto itself: pivot_root needs a mount point.
  plan.root.mount.driver = rootfs::StorageDriver::kVfs;
  plan.root.mount.source = out.rootfs.string();
  plan.root.mount.target = out.rootfs.string();
  plan.root.path = out.rootfs.string();
  plan.root.read_only = config.root.readonly;
  plan.namespaces = ns.all;
  plan.mounts = SBX_TRY(plan_mounts(config, bundle));
  SBX_TRY(check_kernel_fs_targets(plan.mounts, out.rootfs));
  if (ns.new_time) plan.time_offsets = time_offset_lines(config.linux.time_offsets);
  if (config.linux.personality)
    plan.personality = *config.linux.personality == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  bool has_dev = std::ranges::any_of(
      plan.mounts, [](const auto& m) { return m.destination == "/dev" && m.type != "bind"; });
  if (has_dev)
    plan.dev_symlinks = {{"/dev/ptmx", "pts/ptmx"},
                         {"/dev/fd", "/proc/self/fd"},
                         {"/dev/stdin", "/proc/self/fd/0"},
                         {"/dev/stdout", "/proc/self/fd/1"},
                         {"/dev/stderr", "/proc/self/fd/2"}};
  plan.masked_paths = config.linux.masked_paths;
  plan.readonly_paths = config.linux.readonly_paths;
  plan.id_maps.uids = config.linux.uid_mappings;
  plan.id_maps.gids = config.linux.gid_mappings;
  if ((ns.all & CLONE_NEWUSER) && plan.id_maps.uids.empty() &&
      std::ranges::none_of(ns.join_paths, [](const auto& j) { return j.second == CLONE_NEWUSER; }))
    return fail("linux.uidMappings: a new user namespace needs uid and gid mappings");
  plan.process = SBX_TRY(plan_process(config.process));
  plan.security = SBX_TRY(plan_security(config.process, config.linux));
  plan.sysctls = SBX_TRY(plan_sysctls(config));
  plan.init = false;
  plan.command_paths = launch::command_search_paths(plan.process.args[0], plan.process.env);
  plan.hooks = plan_container_hooks(config, id, bundle);
  return out;
}

}  // namespace sbx::oci
