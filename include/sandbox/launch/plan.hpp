// The finished plan for one container: every mount, the process, its
// credentials, capabilities and seccomp program, computed in the parent.
// The child only carries it out (see spawn.hpp). Shaped like the OCI runtime
// spec (root, mounts, process, linux.{namespaces,maskedPaths,readonlyPaths,
// seccomp}) so that a future `create/start` mode can turn a config.json into one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/security/policy.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::launch {

// OCI "mounts[]": one mount(2), destination resolved inside the rootfs only.
struct PlanMount {
  std::string destination;  // absolute path in the container
  // bind, proc, sysfs, tmpfs, devpts, mqueue; sysfs-joined: the joined
  // network namespace's sysfs, made by the joiner (--network container:NAME)
  std::string type;
  std::string source;       // host path for bind, else the fs name
  unsigned long flags = 0;  // MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY, MS_STRICTATIME
  std::string data;         // file-system options
  bool file = false;        // the destination is a file (created empty when missing)
  bool recursive = true;    // bind: rbind
  // bind: `flags` apply to every mount of the bound tree (sandbox run's
  // volumes); false: to its top mount only, as runc's "ro" on an rbind, with
  // `read_only_recursive` ("rro") making the whole tree read-only.
  bool flags_recursive = true;
  bool read_only_recursive = false;
  // Mounted writable and made read-only once the mounts and links under it
  // are in place (a read-only /dev tmpfs that still gets its device nodes).
  bool read_only_late = false;
  friend bool operator==(const PlanMount&, const PlanMount&) = default;
};

// OCI "root": how the child puts the rootfs at `path` (rootfs::mount_prepared).
struct RootfsPlan {
  rootfs::PreparedMount mount;  // overlay, fuse-overlayfs or the vfs copy's bind
  std::string path;             // where it ends up: the container's rootfs
  bool read_only = false;
};

// OCI "process".
struct ProcessPlan {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  // --group-add keep-groups: no setgroups, the caller's groups stay (those
  // the user namespace does not map show as the overflow gid, 65534).
  bool keep_groups = false;
  bool terminal = false;
  bool stdin_open = false;                         // -i; otherwise stdin is /dev/null
  std::optional<mode_t> umask;                     // OCI process.user.umask; else inherited
  uint16_t console_rows = 0, console_columns = 0;  // OCI process.consoleSize (0: the default)
};

// The user-defined networks a container joins, resolved from the store.
struct UserNetworks {
  std::filesystem::path netns_dir;           // net::user_netns_dir of the store
  std::vector<net::NetworkConfig> networks;  // in the spec's order
};

// An OCI hook the child runs inside the container's namespaces, its state JSON
// on stdin: createContainer before pivot_root (its path is the host's),
// startContainer after the start gate (its path is the container's).
struct ContainerHook {
  std::string path;
  std::vector<std::string> argv;  // args[0] included; {path} when the config gives none
  std::vector<std::string> env;
  int timeout_seconds = 0;  // 0: waits as long as it takes
};

struct ContainerHooks {
  std::vector<ContainerHook> create_container, start_container;
  // The state JSON up to the value of "status": the child adds the status,
  // its pid (as its own pid namespace sees it, as runc gives it) and the end.
  std::string state_prefix;
  bool empty() const { return create_container.empty() && start_container.empty(); }
};

// --pid and --ipc container:NAME (share_namespaces.hpp): the other
// container's namespaces, joined by path when the spawn clones: its user
// namespace (they can be joined only from the one that owns them, and a
// procfs or mqueue for them mounted only from there), then its pid and IPC
// namespaces. Empty: not joined.
struct SharedNamespaces {
  std::string userns;     // /proc/PID/ns/user
  std::string pidns;      // /proc/PID/ns/pid
  std::string ipcns;      // /proc/PID/ns/ipc
  std::string shm_mntns;  // /proc/PID/ns/mnt: its /dev/shm is bound (kSharedShmMount)
  bool empty() const { return userns.empty(); }
  friend bool operator==(const SharedNamespaces&, const SharedNamespaces&) = default;
};

// A PlanMount of this type is the /dev/shm of the container whose IPC
// namespace is shared: the child clones it from that container's mount
// namespace (SharedNamespaces::shm_mntns).
inline constexpr const char* kSharedShmMount = "shared-shm";

struct LaunchPlan {
  std::string id;
  std::string hostname;
  RootfsPlan root;
  int namespaces = 0;                                             // CLONE_NEW* flags
  std::vector<PlanMount> mounts;                                  // in mount order, parents first
  std::vector<std::pair<std::string, std::string>> dev_symlinks;  // /dev/ptmx -> pts/ptmx, ...
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  userns::IdMaps id_maps;
  ProcessPlan process;
  // OCI "process.{capabilities,rlimits,noNewPrivileges}" and "linux.seccomp":
  // carried out in the child by security::apply_security_plan.
  security::SecurityPlan security;
  // PID 1 is sandbox's init, which runs process.args and supervises it. When
  // false (the OCI runtime mode), PID 1 is process.args itself: init's --exec
  // mode execs the first of `command_paths` that runs.
  bool init = true;
  std::vector<std::string> command_paths;  // with init = false
  // OCI "domainname" and "linux.sysctl" (as /proc/sys paths), set after pivot_root.
  std::string domainname;
  std::vector<std::pair<std::string, std::string>> sysctls;
  UserNetworks user_networks;  // --network NAME
  // --network container:NAME or ns:PATH: the network namespace joined (by
  // the spawn, through the pause process's user namespace), e.g. /proc/PID/ns/net.
  std::string join_netns;
  SharedNamespaces shared;  // --pid, --ipc container:NAME
  ContainerHooks hooks;     // the OCI runtime mode's in-container hooks
  // OCI "linux.timeOffsets": a time namespace of the container's own, made
  // (unshare; clone cannot) with these lines written to timens_offsets before
  // any process enters it ("monotonic SECS NANOSECS\n..."). nullopt: none.
  std::optional<std::string> time_offsets;
  // OCI "linux.personality": the execution domain set before execve (PER_LINUX32).
  std::optional<unsigned long> personality;
};

// What the parent learned before planning (I/O done, results as values).
struct LaunchInputs {
  std::string container_id;
  RootfsPlan rootfs;
  userns::IdMaps id_maps;
  std::string passwd;   // the image's /etc/passwd ("" when it has none)
  std::string group;    // the image's /etc/group
  std::string etc_dir;  // host dir with hostname, hosts, resolv.conf for the container
  // keep-id: etc_dir's passwd and group (the image's and the caller's line)
  // are bound over the container's.
  bool etc_passwd = false, etc_group = false;
  std::string localtime;    // --tz: the host's zone file bound at /etc/localtime
  std::string volumes_dir;  // the store's volumes/: a volume NAME is volumes_dir/NAME/_data
  // containers/<id>/volume-overlays: the upper and work dirs of the Nth
  // mount of the spec with :O are N/upper and N/work.
  std::string volume_overlays_dir;
  uint32_t host_uid = 0, host_gid = 0;  // the invoking user (--userns=keep-id)
  security::SecurityPlan security;      // caps, rlimits, compiled seccomp program
  UserNetworks user_networks;
  std::string join_netns;    // see LaunchPlan
  SharedNamespaces shared;   // see LaunchPlan
  bool host_mqueue = false;  // --ipc host: the host has /dev/mqueue to bind
};

Result<LaunchPlan> make_launch_plan(const containers::ContainerSpec& spec,
                                    const LaunchInputs& inputs);

// The host dir a bind or volume mount shows: its source, or the volume's dir.
std::string mount_host_source(const containers::MountRequest& mount,
                              const std::string& volumes_dir);

// The contents of the per-container /etc files (network: net/etc_files.hpp).
std::string make_hosts_file(const containers::ContainerSpec& spec);
// `network_dns`: aardvark-dns on the first user network's gateway.
std::string make_resolv_conf(const std::string& host_resolv_conf,
                             const containers::ContainerSpec& spec,
                             const std::string& network_dns = "");

}  // namespace sbx::launch
