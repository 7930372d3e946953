// A bundle's config.json (OCI runtime spec 1.0 - 1.1), as typed values: what
// `sandbox-runtime create` turns into a launch plan. Parsing checks types and
// the spec's rules and names the bad field ("linux.namespaces[2].type:
// unknown namespace \"foo\""); it does no I/O beyond reading the file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/security/rlimits.hpp"
#include "sandbox/security/seccomp.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::oci {

struct Root {
  std::string path;  // relative to the bundle, or absolute
  bool readonly = false;
};

struct Mount {
  std::string destination;  // absolute in the container
  std::string type;         // "" for a bind mount given only by options
  std::string source;
  std::vector<std::string> options;  // as written: "nosuid", "rbind", "ro", "mode=755", ...
  // uidMappings/gidMappings of an id-mapped mount (1.1); parsed, unsupported.
  std::vector<userns::IdMapEntry> uid_mappings, gid_mappings;
};

// process.capabilities: the five sets by name ("CAP_CHOWN").
struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct User {
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;  // Windows only in the spec; kept for error messages
};

struct ConsoleSize {
  unsigned height = 0, width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;  // required, non-empty (unless commandLine, Windows only)
  std::vector<std::string> env;   // "KEY=VALUE"
  std::string cwd;                // required, absolute
  std::optional<Capabilities> capabilities;
  std::vector<security::Rlimit> rlimits;  // type "RLIMIT_NOFILE" -> RLIMIT_NOFILE
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::string selinux_label;
  std::optional<int> oom_score_adj;
};

// linux.namespaces[]: `type` as CLONE_NEW*; a path means join it.
struct Namespace {
  int type = 0;  // CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS,
                 // CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME
  std::string path;
};

struct Device {
  std::string path;  // in the container
  char type = 'c';   // 'c', 'b', 'u' or 'p'
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid, gid;
};

// linux.resources: the parts the cgroup code can apply; the rest is parsed
// so that a request we cannot honour is an error, never silently dropped.
struct Resources {
  std::optional<int64_t> memory_limit;         // memory.limit (bytes; -1 = unlimited)
  std::optional<int64_t> memory_reservation;   // memory.reservation
  std::optional<int64_t> memory_swap;          // memory.swap (memory + swap, as runc)
  std::optional<uint64_t> cpu_shares;          // cpu.shares
  std::optional<int64_t> cpu_quota;            // cpu.quota (us per period)
  std::optional<uint64_t> cpu_period;          // cpu.period (us)
  std::string cpuset_cpus, cpuset_mems;        // cpu.cpus, cpu.mems
  std::optional<int64_t> pids_limit;           // pids.limit
  std::optional<uint16_t> blkio_weight;        // blockIO.weight
  std::map<std::string, std::string> unified;  // unified: cgroup v2 file -> value
  // Anything else set (hugepageLimits, network, rdma, blockIO throttles, kernel memory...):
  // the spec's field names, for the error that says we cannot apply them.
  std::vector<std::string> unsupported;
  // devices[] (the cgroup device allow list): parsed; rootless, the kernel's
  // device rules of the user namespace already apply.
  bool has_device_rules = false;
};

struct Seccomp {
  security::SeccompProfile profile;  // defaultAction, architectures, flags, syscalls
  std::string listener_path;         // SCMP_ACT_NOTIFY's agent: unsupported when set
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<userns::IdMapEntry> uid_mappings, gid_mappings;  // containerID -> hostID
  std::map<std::string, std::string> sysctl;
  std::optional<Resources> resources;
  std::string cgroups_path;
  std::vector<Device> devices;
  std::optional<Seccomp> seccomp;
  std::string rootfs_propagation;  // "", "private", "rprivate", "slave", "rslave", "shared", ...
  std::vector<std::string> masked_paths, readonly_paths;
  std::string mount_label;
  std::optional<std::string> personality;          // domain "LINUX" or "LINUX32"
  std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
};

struct Hook {
  std::string path;  // absolute on the host
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds, > 0
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

struct Config {
  std::string oci_version;  // required
  Root root;
  std::vector<Mount> mounts;
  Process process;  // required for create
  std::string hostname, domainname;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;
  // What was accepted only for compatibility with configs runc 1.1 takes
  // (a relative mount destination, a field we parse and ignore), for the CLI
  // to print as warnings; parsing never logs.
  std::vector<std::string> warnings;
};

// Parses config.json text. Unknown fields are ignored (the spec allows
// extensions); a field of the wrong type or an invalid value is an error.
Result<Config> parse_config(std::string_view json_text);

// Reads and parses <bundle>/config.json (errors name the file).
Result<Config> read_bundle_config(const std::filesystem::path& bundle);

// `sandbox-runtime spec [--rootless]`: runc's example config.json (sh in
// ./rootfs, the default mounts, masked and read-only paths, caps). Rootless:
// a user namespace mapping `uid`/`gid` to root, no network namespace, /sys
// bind-mounted, no cgroup namespace mount options that need privilege.
std::string example_config_json(bool rootless, uid_t uid, gid_t gid);

// "pid" -> CLONE_NEWPID, ..., and back ("" for an unknown flag).
std::optional<int> namespace_type(std::string_view name);
std::string_view namespace_name(int type);

}  // namespace sbx::oci
