// mounts[] and linux.devices -> PlanMounts. The child resolves every
// destination inside the rootfs (openat2 RESOLVE_IN_ROOT), so a symlink in the
// rootfs never sends a mount outside it (CVE-2021-30465).
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <array>
#include <string_view>

#include "sandbox/base/strings.hpp"
#include "sandbox/oci/plan.hpp"

namespace sbx::oci {
namespace {

struct FlagOption {
  std::string_view name;
  unsigned long set;    // added by the option
  unsigned long clear;  // removed by the option
};

// mount(8)'s names, as runc and crun take them.
constexpr std::array<FlagOption, 22> kFlagOptions = {{
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"remount", 0, 0},
}};

// Propagation and runtime hints that change nothing here: every mount of the
// container is private already (its mount namespace is made private first).
constexpr std::array<std::string_view, 10> kIgnoredOptions = {
    "private", "rprivate",   "shared",      "rshared",   "slave",
    "rslave",  "unbindable", "runbindable", "tmpcopyup", "defaults"};

bool is_ignored(std::string_view option) {
  for (auto name : kIgnoredOptions)
    if (option == name) return true;
  return false;
}

// The device nodes every container gets (the OCI spec's default devices):
// bound from the host, as a rootless runc does, since mknod is not allowed
// in a user namespace.
constexpr std::array<const char*, 6> kDefaultDevices = {"/dev/null",   "/dev/zero",    "/dev/full",
                                                        "/dev/random", "/dev/urandom", "/dev/tty"};

launch::PlanMount device_bind(const std::string& path) {
  return {path, "bind", path, 0, "", true, false};
}

Result<launch::PlanMount> device_mount(const Device& device) {
  struct stat st;
  if (::stat(device.path.c_str(), &st) < 0)
    return fail_errno("linux.devices: the host has no", device.path);
  bool type_ok = (device.type == 'c' || device.type == 'u') ? S_ISCHR(st.st_mode)
                 : device.type == 'b'                       ? S_ISBLK(st.st_mode)
                                                            : S_ISFIFO(st.st_mode);
  if (!type_ok || (device.type != 'p' && (static_cast<int64_t>(major(st.st_rdev)) != device.major ||
                                          static_cast<int64_t>(minor(st.st_rdev)) != device.minor)))
    return fail("linux.devices: " + device.path +
                " on the host is not the device the config asks for; without privilege a device "
                "can only be bound from the host's same node");
  return device_bind(device.path);
}

bool is_dev_tmpfs(const launch::PlanMount& m) {
  return m.destination == "/dev" && m.type != "bind";
}

}  // namespace

Result<launch::PlanMount> plan_mount(const Mount& mount, const std::filesystem::path& bundle) {
  launch::PlanMount m;
  m.destination = mount.destination;
  if (!m.destination.starts_with('/')) m.destination = "/" + m.destination;  // runc 1.1 does too
  m.type = mount.type;
  m.source = mount.source;
  bool bind = mount.type == "bind";
  m.recursive = false;
  std::vector<std::string> data;
  for (const auto& option : mount.options) {
    if (option == "bind" || option == "rbind") {
      bind = true;
      m.recursive = m.recursive || option == "rbind";
      continue;
    }
    if (option == "rro") {  // mount_setattr(AT_RECURSIVE), as runc on Linux 5.12+
      m.read_only_recursive = true;
      continue;
    }
    if (option == "idmap" || option == "ridmap")
      return fail("mounts: " + mount.destination + ": id-mapped mounts are not supported");
    if (is_ignored(option)) continue;
    bool known = false;
    for (const auto& f : kFlagOptions) {
      if (option != f.name) continue;
      m.flags = (m.flags | f.set) & ~f.clear;
      known = true;
    }
    if (!known) data.push_back(option);
  }
  if (!mount.uid_mappings.empty() || !mount.gid_mappings.empty())
    return fail("mounts: " + mount.destination + ": id-mapped mounts are not supported");
  if (bind) {
    m.type = "bind";
    if (!m.source.starts_with('/')) m.source = (bundle / m.source).string();
    // Bind mounts take no data; flags such as ro apply to the top mount of
    // the bound tree (runc's remount), "rro" to all of it.
    m.flags_recursive = false;
    return m;
  }
  m.data = join(data, ",");
  if (m.source.empty()) m.source = m.type;
  if (is_dev_tmpfs(m) && (m.flags & MS_RDONLY)) {
    // Its device nodes and links are made first; then it turns read-only.
    m.flags &= ~MS_RDONLY;
    m.read_only_late = true;
  }
  return m;
}

Result<std::vector<launch::PlanMount>> plan_mounts(const Config& config,
                                                   const std::filesystem::path& bundle) {
  bool cgroup_ns = false;
  for (const auto& ns : config.linux.namespaces)
    cgroup_ns = cgroup_ns || ns.type == CLONE_NEWCGROUP;
  std::vector<launch::PlanMount> mounts;
  for (const auto& mount : config.mounts) {
    if (mount.type == "cgroup" || mount.type == "cgroup2") {
      // A cgroup namespace gets its own cgroup2 view from the launcher once
      // placed; without one, the host's hierarchy read-only (as rootless runc).
      if (!cgroup_ns)
        mounts.push_back({mount.destination, "bind", "/sys/fs/cgroup",
                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false, true});
      continue;
    }
    auto m = SBX_TRY_CTX(plan_mount(mount, bundle), "mounts");
    bool fresh_dev = is_dev_tmpfs(m);
    mounts.push_back(std::move(m));
    if (fresh_dev)
      for (const char* dev : kDefaultDevices) mounts.push_back(device_bind(dev));
  }
  for (const auto& device : config.linux.devices) {
    bool is_default = false;
    for (const char* dev : kDefaultDevices) is_default = is_default || device.path == dev;
    if (!is_default) mounts.push_back(SBX_TRY(device_mount(device)));
  }
  return mounts;
}

}  // namespace sbx::oci
