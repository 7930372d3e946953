// The container a user asked for: the image's config merged with the run
// flags, validated, before anything touches the kernel. Pure and unit-tested.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"
#include "sandbox/containers/health.hpp"
#include "sandbox/containers/restart.hpp"
#include "sandbox/containers/run_flags.hpp"
#include "sandbox/net/config.hpp"
#include "sandbox/net/networks.hpp"
#include "sandbox/security/policy.hpp"

namespace sbx::containers {

// The parts of an image's config (OCI "config" object) that run uses.
struct ImageDefaults {
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::string user;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  HealthConfig healthcheck;                // the config's Healthcheck ({} without)
  std::vector<std::string> exposed_ports;  // ExposedPorts keys: "80/tcp"
};

// One --device: a host device node bound at `container` (rootless, no node
// can be made). `permissions` is docker's subset of "rwm".
struct DeviceRequest {
  std::string host;
  std::string container;
  std::string permissions = "rwm";
  friend bool operator==(const DeviceRequest&, const DeviceRequest&) = default;
};

enum class MountType { kBind, kTmpfs, kVolume };

// One -v, --mount or --tmpfs, parsed.
struct MountRequest {
  MountType type = MountType::kBind;
  // bind: an absolute host path; volume: the volume's name ("" = anonymous
  // until the run names it, see name_anonymous_volumes).
  std::string source;
  std::string destination;  // absolute path in the container
  bool read_only = false;
  unsigned long flags = 0;  // MS_NOSUID, MS_NODEV, MS_NOEXEC
  std::string data;         // tmpfs: "size=...,mode=..."
  bool no_copy = false;     // volume: do not fill a new volume from the image (nocopy)
  bool chown = false;       // :U: chown the source to the container's user
  // :O: an overlay over the source; the container's writes go to an upper dir
  // of its own (containers/<id>/volume-overlays/N), discarded at rm.
  bool overlay = false;
  friend bool operator==(const MountRequest&, const MountRequest&) = default;
};

inline const char* mount_type_name(MountType type) {
  return type == MountType::kBind ? "bind" : type == MountType::kTmpfs ? "tmpfs" : "volume";
}

// docker's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters.
bool valid_volume_name(std::string_view name);

// kSlirp4netns is the default of `run` (podman's rootless default);
// kBridge: user-defined networks (`networks`), in the per-user namespace;
// kJoin: another's network namespace (`network_join`).
enum class NetworkMode { kNone, kHost, kSlirp4netns, kBridge, kJoin };

struct ContainerSpec {
  std::vector<std::string> argv;  // entrypoint + cmd
  std::vector<std::string> env;   // KEY=VALUE, one per key
  std::string cwd = "/";
  std::string user;      // USER[:GROUP] as given, resolved against the rootfs later
  std::string hostname;  // empty: the container id's first 12 characters
  std::string name;
  std::vector<MountRequest> mounts;
  bool read_only_rootfs = false;
  NetworkMode network = NetworkMode::kNone;
  net::SlirpOptions slirp;                          // with kSlirp4netns
  std::vector<net::NetworkAttachRequest> networks;  // with kBridge
  std::string network_join;                 // with kJoin: "container:NAME" or "ns:PATH", as given
  std::vector<net::PortRequest> ports;      // -p, and -P's (kSlirp4netns and kBridge)
  std::vector<std::string> exposed_ports;   // the image's and --expose: "80/tcp", sorted
  bool publish_all = false;                 // -P (its ports are in `ports`, host port 0)
  std::vector<std::string> dns;             // --dns servers
  std::vector<std::string> dns_search;      // --dns-search (replace the host's)
  std::vector<std::string> dns_options;     // --dns-option (replace the host's)
  std::vector<net::HostEntry> extra_hosts;  // --add-host (ip "host-gateway": the host)
  bool keep_id = false;
  // --pid and --ipc (namespace_flags.hpp): "" for a namespace of its own,
  // "host", or "container:NAME" as given; --ipc also private, shareable, none.
  std::string pid_mode;
  std::string ipc_mode;
  // --privileged, --cap-add/--cap-drop, --security-opt and --ulimit, checked;
  // the security module turns them into a SecurityPlan while planning.
  security::SecurityOptions security;
  bool tty = false;
  bool interactive = false;
  bool remove = false;
  bool init = true;
  cgroup::CgroupRequest cgroup;  // resource limits; none: no cgroup work
  std::string stop_signal;       // --stop-signal, else the image's ("" = SIGTERM), used by `stop`
  int stop_timeout = -1;         // --stop-timeout seconds; -1: stop's default (10 s)
  std::map<std::string, std::string> labels;   // the image's, then --label
  uint64_t shm_size = 0;                       // /dev/shm bytes; 0: 64 MiB
  std::map<std::string, std::string> sysctls;  // --sysctl, checked to be namespaced
  RestartPolicy restart;                       // --restart
  HealthConfig health;                         // the image's HEALTHCHECK, then --health-*
  std::vector<std::string> group_add;          // --group-add names or gids (or keep-groups)
  std::vector<DeviceRequest> devices;          // --device
  std::string timezone;                        // --tz: a zoneinfo name or "local"; "" the image's
  std::string log_driver;  // "" (k8s-file: ctr.log), "none" or "passthrough" (no log)
  std::string log_path;    // --log-opt path=: ctr.log elsewhere ("" = in the store)
};

// --group-add keep-groups: the caller's supplementary groups are kept.
inline constexpr const char* kKeepGroups = "keep-groups";
inline bool keeps_groups(const ContainerSpec& spec) {
  return spec.group_add.size() == 1 && spec.group_add[0] == kKeepGroups;
}

// The log drivers: k8s-file (json-file is its alias, as podman's), none,
// passthrough (the caller's stdio, foreground only).
inline constexpr std::string_view kLogDriverNone = "none";
inline constexpr std::string_view kLogDriverPassthrough = "passthrough";
inline std::string log_driver_name(const ContainerSpec& spec) {
  return spec.log_driver.empty() ? "k8s-file" : spec.log_driver;
}
// Whether the container keeps its output in a log file `logs` reads.
inline bool keeps_log(const ContainerSpec& spec) { return spec.log_driver.empty(); }
// Its k8s-file log: --log-opt path, else ctr.log in its store dir.
inline std::filesystem::path container_log_file(const ContainerSpec& spec,
                                                const std::filesystem::path& store_dir) {
  return spec.log_path.empty() ? store_dir / "ctr.log" : std::filesystem::path(spec.log_path);
}

// The size of /dev/shm without --shm-size (docker's and podman's).
inline constexpr uint64_t kDefaultShmSize = 64ull << 20;

// --sysctl KEY=VALUE: only what the container's own namespaces hold (IPC:
// kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*; its network: net.*);
// anything else would be the host's and is refused, naming the key.
Result<std::pair<std::string, std::string>> parse_sysctl(std::string_view text, bool own_network);
// --device HOST[:CONTAINER][:PERMS]: absolute paths, PERMS of "rwm".
Result<DeviceRequest> parse_device(std::string_view text);
// --tz: "local" or a zoneinfo name (Area/City, UTC, Etc/GMT+5) that stays
// under /usr/share/zoneinfo (no "..", not absolute).
Status check_timezone_name(std::string_view zone);
// --log-driver: "" for k8s-file (and its alias json-file), "none", "passthrough".
Result<std::string> parse_log_driver(std::string_view text);
// docker's --label KEY[=VALUE] (a missing value is "").
Result<std::pair<std::string, std::string>> parse_label(std::string_view text);

Result<ContainerSpec> make_container_spec(const ImageDefaults& image, const RunFlags& flags);

// Known before the spec is made, as the namespaces are made first.
inline bool wants_keep_id(const RunFlags& flags) { return flags.userns == "keep-id"; }
inline bool wants_host_network(const RunFlags& flags) { return flags.network == "host"; }
// Whether the container gets a network namespace made for it (not host's,
// not another's it joins).
inline bool makes_own_network(NetworkMode mode) {
  return mode != NetworkMode::kHost && mode != NetworkMode::kJoin;
}
inline bool makes_own_network(const RunFlags& flags) {
  return flags.network != "host" && !flags.network.starts_with("container:") &&
         !flags.network.starts_with("ns:");
}

// Final environment: image env (PATH defaulted), HOSTNAME, TERM for a tty,
// then the flags' KEY=VALUE entries; a later key replaces an earlier one.
Result<std::vector<std::string>> merge_env(const std::vector<std::string>& image_env,
                                           const std::vector<std::string>& flag_env,
                                           const std::string& hostname, bool tty);

// docker's rule: --entrypoint replaces the image's Entrypoint and drops its
// Cmd; a COMMAND replaces the Cmd.
Result<std::vector<std::string>> make_argv(const ImageDefaults& image,
                                           const std::optional<std::string>& entrypoint,
                                           const std::vector<std::string>& command);

}  // namespace sbx::containers
