// `sandbox-runtime spec [--rootless]`: the example bundle config that `runc
// spec` prints, in the same shape and field order (tools and people diff the
// two), built as values here and checked by parse_config in the tests.
#include <nlohmann/json.hpp>

#include "sandbox/oci/config.hpp"

namespace sbx::oci {
namespace {

using ordered = nlohmann::ordered_json;

// The spec version whose fields we read (1.0 - 1.1).
constexpr const char* kExampleOciVersion = "1.1.0";

ordered example_process() {
  // The three capabilities runc's example keeps, in every set but inheritable.
  ordered caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  return {
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", {"sh"}},
      {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
      {"noNewPrivileges", true},
  };
}

ordered mount(const char* destination, const char* type, const char* source, ordered options) {
  ordered out = {{"destination", destination}, {"type", type}, {"source", source}};
  if (!options.empty()) out["options"] = std::move(options);
  return out;
}

ordered example_mounts(bool rootless) {
  // devpts' gid=5 (tty) needs that group mapped, which a one-id rootless map does not.
  ordered pts_options = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  if (!rootless) pts_options.push_back("gid=5");
  // A fresh sysfs needs a network namespace owned by our user namespace;
  // rootless keeps the host's network, so /sys is the host's, bound read-only.
  ordered sys = rootless
                    ? mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                    : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"});
  return {
      mount("/proc", "proc", "proc", ordered::array()),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts", std::move(pts_options)),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      std::move(sys),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
}

ordered example_linux(bool rootless, uid_t uid, gid_t gid) {
  ordered out = ordered::object();
  if (rootless) {
    out["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
    out["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
  } else {
    // Deny every device in the cgroup; the runtime adds the standard ones.
    out["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
  }
  ordered namespaces = ordered::array();
  for (const char* type : {"pid", "network", "ipc", "uts", "mount", "user"}) {
    bool skip = rootless ? std::string_view(type) == "network" : std::string_view(type) == "user";
    if (!skip) namespaces.push_back({{"type", type}});
  }
  out["namespaces"] = std::move(namespaces);
  out["maskedPaths"] = {"/proc/acpi",        "/proc/asound",        "/proc/kcore",
                        "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
                        "/proc/timer_stats", "/proc/sched_debug",   "/sys/firmware",
                        "/proc/scsi"};
  out["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  return out;
}

}  // namespace

std::string example_config_json(bool rootless, uid_t uid, gid_t gid) {
  ordered config = {
      {"ociVersion", kExampleOciVersion},
      {"process", example_process()},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "sandbox"},
      {"mounts", example_mounts(rootless)},
      {"linux", example_linux(rootless, uid, gid)},
  };
  return config.dump(1, '\t') + "\n";
}

}  // namespace sbx::oci
