// containers::ContainerSpec + what the parent found out -> LaunchPlan. Pure.
#include "sandbox/launch/plan.hpp"

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>

#include "sandbox/base/strings.hpp"
#include "sandbox/containers/namespace_flags.hpp"
#include "sandbox/launch/users.hpp"
#include "sandbox/net/etc_files.hpp"

namespace sbx::launch {
namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// docker's masked and read-only paths (OCI linux.maskedPaths/readonlyPaths).
const std::vector<std::string> kMaskedPaths = {
    "/proc/acpi",        "/proc/kcore",
    "/proc/keys",        "/proc/latency_stats",
    "/proc/timer_list",  "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware",     "/sys/devices/virtual/powercap"};
const std::vector<std::string> kReadonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};

using containers::NamespaceShare;

// --pid host: a procfs for the host's pid namespace needs privileges over it,
// so the host's /proc is bound (as rootless podman does); masked and
// read-only paths apply to it all the same.
PlanMount proc_mount(const containers::ContainerSpec& spec) {
  if (containers::namespace_share(spec.pid_mode) == NamespaceShare::kHost)
    return {"/proc", "bind", "/proc", kNoSuidDevExec, "", false, true};
  return {"/proc", "proc", "proc", kNoSuidDevExec, ""};
}

// /dev/shm and /dev/mqueue by --ipc: none has no /dev/shm (podman's), host
// binds the host's, container:NAME gets that container's /dev/shm.
void add_ipc_mounts(const containers::ContainerSpec& spec, const LaunchInputs& in,
                    std::vector<PlanMount>& m) {
  auto share = containers::namespace_share(spec.ipc_mode);
  uint64_t shm_size = spec.shm_size ? spec.shm_size : containers::kDefaultShmSize;
  if (share == NamespaceShare::kHost)
    m.push_back({"/dev/shm", "bind", "/dev/shm", MS_NOSUID | MS_NODEV, "", false, true});
  else if (share == NamespaceShare::kContainer && !in.shared.shm_mntns.empty())
    m.push_back({"/dev/shm", kSharedShmMount, "/dev/shm", 0, "", false, false});
  else if (spec.ipc_mode != "none" && share == NamespaceShare::kOwn)
    m.push_back(
        {"/dev/shm", "tmpfs", "shm", kNoSuidDevExec, "mode=1777,size=" + std::to_string(shm_size)});
  // An mqueue for the host's IPC namespace cannot be mounted from ours.
  if (share != NamespaceShare::kHost)
    m.push_back({"/dev/mqueue", "mqueue", "mqueue", kNoSuidDevExec, ""});
  else if (in.host_mqueue)
    m.push_back({"/dev/mqueue", "bind", "/dev/mqueue", kNoSuidDevExec, "", false, true});
}

std::vector<PlanMount> system_mounts(const containers::ContainerSpec& spec,
                                     const LaunchInputs& in) {
  std::vector<PlanMount> m;
  m.push_back(proc_mount(spec));
  m.push_back({"/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"});
  for (const char* dev :
       {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"})
    m.push_back({dev, "bind", dev, 0, "", true, false});
  // gid=5 (tty) only exists when the map covers it.
  std::string pts = "newinstance,ptmxmode=0666,mode=0620";
  if (in.id_maps.maps_gid(5)) pts += ",gid=5";
  m.push_back({"/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, pts});
  add_ipc_mounts(spec, in, m);
  // sysfs needs a net namespace our user namespace owns. Another container's
  // (--network container:, ns:): the joiner makes it (child/process_steps.cpp),
  // read-only. The host's: bind the host's /sys.
  if (!in.join_netns.empty())
    m.push_back({"/sys", "sysfs-joined", "sysfs", MS_RDONLY | kNoSuidDevExec, ""});
  else if (!containers::makes_own_network(spec.network))
    m.push_back({"/sys", "bind", "/sys", MS_RDONLY | kNoSuidDevExec, "", false, true});
  else
    m.push_back({"/sys", "sysfs", "sysfs",
                 (spec.security.privileged ? 0 : MS_RDONLY) | kNoSuidDevExec, ""});
  for (const char* name : {"hostname", "hosts", "resolv.conf"})
    m.push_back({std::string("/etc/") + name, "bind", in.etc_dir + "/" + name, 0, "", true, false});
  if (in.etc_passwd)
    m.push_back({"/etc/passwd", "bind", in.etc_dir + "/passwd", 0, "", true, false});
  if (in.etc_group) m.push_back({"/etc/group", "bind", in.etc_dir + "/group", 0, "", true, false});
  if (!in.localtime.empty())
    m.push_back({"/etc/localtime", "bind", in.localtime, MS_RDONLY, "", true, false});
  return m;
}

// The `index`th mount of the spec.
PlanMount to_plan_mount(const containers::MountRequest& r, size_t index, const LaunchInputs& in) {
  PlanMount p;
  p.destination = r.destination;
  p.flags = r.flags | (r.read_only ? MS_RDONLY : 0);
  if (r.type == containers::MountType::kTmpfs) {
    p.type = "tmpfs";
    p.source = "tmpfs";
    p.data = r.data;
  } else if (r.overlay) {  // :O, its paths checked while planning (no ',' or ':')
    std::string dir = in.volume_overlays_dir + "/" + std::to_string(index);
    p.type = "overlay";
    p.source = "overlay";
    p.data = "lowerdir=" + mount_host_source(r, in.volumes_dir) + ",upperdir=" + dir +
             "/upper,workdir=" + dir + "/work,userxattr";
  } else {
    p.type = "bind";
    p.source = mount_host_source(r, in.volumes_dir);
  }
  return p;
}

size_t depth(const std::string& path) {
  return std::ranges::count(path, '/') - (path.ends_with('/') ? 1 : 0);
}

Result<ProcessPlan> make_process(const containers::ContainerSpec& spec, const LaunchInputs& in) {
  ProcessPlan p;
  p.args = spec.argv;
  p.env = spec.env;
  p.cwd = spec.cwd;
  p.terminal = spec.tty;
  p.stdin_open = spec.interactive;
  std::string user = spec.user;
  if (user.empty() && spec.keep_id)
    user = std::to_string(in.host_uid) + ":" + std::to_string(in.host_gid);
  auto who = SBX_TRY_CTX(resolve_user(user, in.passwd, in.group), "user");
  if (!in.id_maps.maps_uid(who.uid))
    return fail("user: uid " + std::to_string(who.uid) + " is not mapped in the user namespace");
  if (!in.id_maps.maps_gid(who.gid))
    return fail("user: gid " + std::to_string(who.gid) + " is not mapped in the user namespace");
  p.uid = who.uid;
  p.gid = who.gid;
  for (uint32_t g : who.additional_gids)
    if (in.id_maps.maps_gid(g)) p.additional_gids.push_back(g);
  p.keep_groups = containers::keeps_groups(spec);
  std::vector<uint32_t> added;
  if (!p.keep_groups)
    added = SBX_TRY_CTX(resolve_group_add(spec.group_add, in.group), "--group-add");
  for (uint32_t g : added) {
    if (!in.id_maps.maps_gid(g))
      return fail(
          Error("--group-add: gid " + std::to_string(g) + " is not mapped in the user namespace")
              .with_hint("give a gid within your /etc/subgid range (or 0)"));
    if (std::ranges::find(p.additional_gids, g) == p.additional_gids.end())
      p.additional_gids.push_back(g);
  }
  if (std::ranges::none_of(p.env, [](const std::string& e) { return e.starts_with("HOME="); }))
    p.env.push_back("HOME=" + who.home);
  return p;
}

}  // namespace

std::string mount_host_source(const containers::MountRequest& mount,
                              const std::string& volumes_dir) {
  return mount.type == containers::MountType::kVolume ? volumes_dir + "/" + mount.source + "/_data"
                                                      : mount.source;
}

Result<LaunchPlan> make_launch_plan(const containers::ContainerSpec& spec, const LaunchInputs& in) {
  LaunchPlan plan;
  plan.id = in.container_id;
  plan.user_networks = in.user_networks;
  plan.join_netns = in.join_netns;
  plan.shared = in.shared;
  plan.hostname = spec.hostname.empty() ? in.container_id.substr(0, 12) : spec.hostname;
  plan.root = in.rootfs;
  plan.root.read_only = spec.read_only_rootfs;
  plan.namespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                    CLONE_NEWCGROUP |
                    (spec.network != containers::NetworkMode::kHost ? CLONE_NEWNET : 0);
  if (containers::namespace_share(spec.pid_mode) != NamespaceShare::kOwn)
    plan.namespaces &= ~CLONE_NEWPID;
  if (containers::namespace_share(spec.ipc_mode) != NamespaceShare::kOwn)
    plan.namespaces &= ~CLONE_NEWIPC;
  plan.mounts = system_mounts(spec, in);
  std::vector<PlanMount> user;
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    user.push_back(to_plan_mount(spec.mounts[i], i, in));
  // Parents before children, whatever order the flags came in.
  std::ranges::stable_sort(user, {}, [](const PlanMount& m) { return depth(m.destination); });
  plan.mounts.insert(plan.mounts.end(), user.begin(), user.end());
  // --device: the host's node bound (rootless, none can be made); checked
  // to be one the caller may open (check_device). Read-only without 'w'.
  for (const auto& d : spec.devices) {
    bool writable = d.permissions.find('w') != std::string::npos;
    unsigned long flags = writable ? 0ul : static_cast<unsigned long>(MS_RDONLY);
    plan.mounts.push_back({d.container, "bind", d.host, flags, "", true, false});
  }
  plan.dev_symlinks = {{"/dev/ptmx", "pts/ptmx"},          {"/dev/fd", "/proc/self/fd"},
                       {"/dev/stdin", "/proc/self/fd/0"},  {"/dev/stdout", "/proc/self/fd/1"},
                       {"/dev/stderr", "/proc/self/fd/2"}, {"/dev/core", "/proc/kcore"}};
  if (!spec.security.privileged) {
    plan.masked_paths = kMaskedPaths;
    plan.readonly_paths = kReadonlyPaths;
  }
  plan.id_maps = in.id_maps;
  plan.process = SBX_TRY(make_process(spec, in));
  // A non-root user keeps the set only as its bounding set: with no ambient
  // caps, execve clears its effective and permitted sets (docker's behaviour).
  plan.security = in.security;
  if (spec.security.privileged) plan.security.seccomp.reset();
  plan.init = spec.init;
  // --sysctl, checked to be the container's own (parse_sysctl): /proc/sys paths.
  for (const auto& [key, value] : spec.sysctls) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    plan.sysctls.emplace_back(std::move(path), value);
  }
  return plan;
}

// The cidr was checked by make_container_spec; a bad one here means defaults.
static net::SlirpAddresses addresses_of(const containers::ContainerSpec& spec) {
  return net::slirp_addresses(spec.slirp.cidr)
      .value_or(net::SlirpAddresses{"10.0.2.100", "10.0.2.2", "10.0.2.3"});
}

std::string make_hosts_file(const containers::ContainerSpec& spec) {
  net::HostsFileInput in{.hostname = spec.hostname, .extra_hosts = spec.extra_hosts};
  auto addresses = addresses_of(spec);
  bool slirp = spec.network == containers::NetworkMode::kSlirp4netns;
  if (slirp) in.container_ip = addresses.guest;
  if (slirp && spec.slirp.allow_host_loopback) in.host_gateway = addresses.gateway;
  // host-gateway: the host as the container reaches it.
  for (auto& h : in.extra_hosts)
    if (h.ip == "host-gateway") h.ip = slirp ? addresses.gateway : "127.0.0.1";
  return net::make_hosts_file(in);
}

std::string make_resolv_conf(const std::string& host_resolv_conf,
                             const containers::ContainerSpec& spec,
                             const std::string& network_dns) {
  if (spec.network == containers::NetworkMode::kNone && spec.dns.empty() &&
      spec.dns_search.empty() && spec.dns_options.empty())
    return "";
  net::ResolvConfInput in{
      .dns_servers = spec.dns, .search = spec.dns_search, .options = spec.dns_options};
  if (spec.network == containers::NetworkMode::kSlirp4netns) in.forwarder = addresses_of(spec).dns;
  if (spec.network == containers::NetworkMode::kBridge) in.forwarder = network_dns;
  return net::make_resolv_conf(host_resolv_conf, in);
}

}  // namespace sbx::launch
