// A container's record and state.
//
// Two places:
//  - the store, containers/<id>/ (survives reboots): config.json (the
//    ContainerSpec and image it was made from), name, image-id, upper/work,
//    the log (ctr.log) and exited.json (exit code, finish time, OOMKilled);
//  - the runtime dir, runtime_root()/<store key>/<id>/ (gone after a reboot):
//    state.json (pid + process start time, monitor pid, slirp4netns pid and
//    API socket, cgroup path) and the per-container lock.
// The store dir is the list of containers; the runtime state only says
// whether one is running. A pid whose start time no longer matches is dead
// (pid reuse safe). The store key separates stores of one user (`--root`).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {

enum class ContainerStatus { kCreated, kRunning, kExited, kUnknown };
std::string_view to_string(ContainerStatus status);  // "created", "running", ...

// One published port, as `sandbox port` prints it.
struct PortBinding {
  std::string host_ip;  // "0.0.0.0" when not given
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp | udp
  friend bool operator==(const PortBinding&, const PortBinding&) = default;
};

// What is running for a container right now (runtime dir, state.json).
struct RuntimeState {
  pid_t pid = 0;                // the container's PID 1, as the host sees it
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22
  pid_t monitor_pid = 0;        // the monitor (-d) or the `sandbox run` process
  uint64_t monitor_start_time = 0;
  pid_t slirp_pid = 0;  // 0 without slirp4netns
  std::string slirp_api_socket;
  std::vector<PortBinding> ports;
  std::string cgroup_path;  // /sys/fs/cgroup/... of the container; "" without
  std::string started_at;   // RFC 3339, UTC
};

// How it ended (store, exited.json).
struct ExitRecord {
  int exit_code = 0;
  bool oom_killed = false;
  std::string finished_at;  // RFC 3339, UTC
};

// Everything `ps`, `inspect` and the other commands show.
struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image;     // as the user named it
  std::string image_id;  // sha256:...
  std::string created_at;
  ContainerSpec spec;
  ContainerStatus status = ContainerStatus::kCreated;
  bool paused = false;                  // running, its cgroup frozen (`pause`)
  std::optional<RuntimeState> runtime;  // while running (or last known)
  std::optional<ExitRecord> exit;
  std::filesystem::path store_dir;    // <store>/containers/<id>
  std::filesystem::path runtime_dir;  // runtime_root()/<store key>/<id>
  std::string started_at;             // last start (store, "started"); "" never started
  std::string storage_driver;         // as given at run ("" = the probed default)
  // ContainerMeta's: the `run` command line that made it.
  std::vector<std::string> run_flags, run_image_args;
  RestartRecord restart;              // what its restart policy did (restart.json)
  bool restarting = false;            // a restart waits out its back-off
  std::optional<HealthState> health;  // while it runs with a health check
};

// What run records besides the spec (containers/<id>/meta.json).
struct ContainerMeta {
  std::string image;           // as the user named it
  std::string created_at;      // RFC 3339, UTC
  std::string storage_driver;  // --storage-driver at run ("" = default)
  // The `run` command line that made it (generate systemd --new): its flags
  // (the words between `run` and IMAGE), then IMAGE [COMMAND...].
  std::vector<std::string> run_flags, run_image_args;
};

// Finds containers in one store. Cheap to make; holds no locks.
class Containers {
 public:
  static Result<Containers> open(const std::filesystem::path& store_root);

  // Full id, unique id prefix or name (docker's rules); the error names what
  // was asked for ("no such container: web").
  Result<std::string> resolve(std::string_view id_or_name) const;
  Result<ContainerInfo> info(const std::string& id) const;
  Result<std::vector<ContainerInfo>> list() const;  // newest first

  std::filesystem::path store_dir(const std::string& id) const;
  std::filesystem::path runtime_dir(const std::string& id) const;  // created on demand by writers
  // The per-container lock for lifecycle changes (start, stop, rm, ...).
  Result<FileLock> lock(const std::string& id) const;

  Status write_runtime_state(const std::string& id, const RuntimeState& state) const;
  Status write_exit(const std::string& id, const ExitRecord& record) const;

  // ---- additions (lifecycle)
  const std::filesystem::path& store_root() const { return store_root_; }
  // config.json (the spec) and meta.json, written atomically; creates the dir.
  Status write_config(const std::string& id, const ContainerSpec& spec,
                      const ContainerMeta& meta) const;
  // Gives `id` the name `name` (or a generated adjective_noun when empty),
  // unique in this store: "name already in use" when taken. Returns the name.
  Result<std::string> claim_name(const std::string& id, const std::string& name) const;
  // Marks a start: records started_at in the store and drops exited.json.
  Status mark_started(const std::string& id, const std::string& started_at) const;
  Result<std::optional<RuntimeState>> read_runtime_state(const std::string& id) const;
  Status remove_runtime_state(const std::string& id) const;  // the runtime dir; missing is fine
  // Deletes the container's files: the runtime dir, then the store dir, which
  // first leaves the store in one rename (to the store's trash) and is then
  // deleted there by `remover` (its files may belong to subordinate ids).
  Status remove(const std::string& id,
                const std::function<Status(const std::filesystem::path&)>& remover) const;
  // As remove, but what goes to the trash is deleted later (the next run's
  // collect_removed_in_background, lifecycle.hpp, or a prune). For a dir of
  // our own few files: deleting them costs more than the run (ext4's discard).
  Status remove_later(const std::string& id) const;
  // The store's trash: what remove_later and killed removals left.
  std::vector<std::filesystem::path> trash() const;
  // Moves to the trash what killed runs left: container dirs without
  // config.json that no run is making now (their lock is free). Returns how
  // many. A run holds lock(id) from before it makes the dir until
  // write_config is done.
  Result<size_t> collect_abandoned() const;
  // The ids collect_abandoned would move, moving nothing.
  Result<std::vector<std::string>> abandoned() const;

 private:
  Result<bool> abandoned(const std::string& id, bool trash) const;
  Containers(std::filesystem::path store_root, std::filesystem::path runtime_base)
      : store_root_(std::move(store_root)), runtime_base_(std::move(runtime_base)) {}
  std::filesystem::path store_root_;
  std::filesystem::path runtime_base_;
};

// A process is alive and is the one recorded: /proc/<pid>/stat's start time
// matches and it is not a zombie (pid reuse safe).
bool process_alive(pid_t pid, uint64_t start_time);
// /proc/<pid>/stat field 22; 0 when the process is gone.
uint64_t process_start_time(pid_t pid);
// Now as RFC 3339 with nanoseconds, UTC ("2026-01-02T03:04:05.123456789Z").
std::string now_rfc3339();
// 64 random hex characters: a new container's id, an anonymous volume's name.
Result<std::string> new_random_id();
// docker-style adjective_noun.
std::string generate_container_name();
// Name rule as docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
bool valid_container_name(std::string_view name);
// The runtime dir key of a store: a stable hash of its canonical path, so
// stores of one user (`--root`) never see each other's containers.
std::string store_key(const std::filesystem::path& canonical_store_root);

std::string runtime_state_to_json(const RuntimeState& state);
Result<RuntimeState> runtime_state_from_json(std::string_view text);
std::string container_meta_to_json(const ContainerMeta& meta);
Result<ContainerMeta> container_meta_from_json(std::string_view text);
std::string exit_record_to_json(const ExitRecord& record);
Result<ExitRecord> exit_record_from_json(std::string_view text);
// `inspect`: docker's shape (Id, Name, Created, State{...}, Config{...}, ...).
std::string container_info_to_json(const ContainerInfo& info);

// The saved spec of a container (containers/<id>/config.json), used by
// start, exec, inspect and commit. Pure conversions, unit-tested.
std::string container_spec_to_json(const ContainerSpec& spec);
Result<ContainerSpec> container_spec_from_json(std::string_view text);

}  // namespace sbx::containers
