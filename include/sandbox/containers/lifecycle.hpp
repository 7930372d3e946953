// The lifecycle of existing containers: stop, kill, wait, rm, rename, prune,
// top, logs and the monitor's cleanup (start is launch/start.hpp). Each change
// holds the container's lock; the status is always derived from the files
// (records.hpp), so a killed monitor or a reboot leaves nothing stale.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

// After the container's end (monitor's `container cleanup`, or the foreground
// run): exited.json, runtime state removed, and removal with --rm. A
// container removed meanwhile is no error.
Status finish_container(const Containers& containers, const std::string& id,
                        const ExitRecord& record);

// Deletes, in a child of ours, what finish_container left for later (--rm
// containers nothing wrote to): a run pays for the previous run's deletion
// while it waits for the id-map helpers, not on its way out. No child when
// there is nothing to delete. The caller must be single-threaded (fork).
ChildProcess collect_removed_in_background(const Containers& containers);
// Now, in this process: moves what killed runs left to the trash
// (Containers::collect_abandoned) and deletes everything in it.
Status empty_trash(const Containers& containers);

// ---- restart policies (restart.cpp, docs/lifecycle.md)
Result<RestartRecord> read_restart_record(const Containers& containers, const std::string& id);
Status write_restart_record(const Containers& containers, const std::string& id,
                            const RestartRecord& record);
// stop, kill, rm: the user ended it, so its policy does not start it again
// (until the user starts it); a restart waiting out its back-off is ended.
// Called under the container's lock.
Status mark_stopped_by_user(const Containers& containers, const std::string& id,
                            const ContainerSpec& spec);
// The process waiting out a back-off says so in the runtime dir ("restarting").
Status record_pending_restart(const Containers& containers, const std::string& id);
void forget_pending_restart(const Containers& containers, const std::string& id);
// SIGTERM to that process, if it still waits.
void end_pending_restart(const Containers& containers, const std::string& id);
bool restart_pending(const std::filesystem::path& runtime_dir);

// ---- health checks (health.cpp): runtime_dir/health.json
std::optional<HealthState> read_health_state(const std::filesystem::path& runtime_dir);
Status write_health_state(const std::filesystem::path& runtime_dir, const HealthState& state);
// At the container's end: its last state, "unhealthy" (docker's), into
// store_dir/health.json, which inspect shows until the next start ends.
Status keep_final_health_state(const std::filesystem::path& runtime_dir,
                               const std::filesystem::path& store_dir);

// "TERM", "SIGTERM", "sigterm", "15" -> 15.
Result<int> parse_signal(std::string_view text);

// The StopSignal (else SIGTERM) to PID 1, then SIGKILL after `timeout`
// (nullopt: the container's --stop-timeout, else 10 s); returns once the
// container is no longer running. Stopping a stopped container is fine (as docker).
Status stop_container(const Containers& containers, const std::string& id,
                      std::optional<std::chrono::milliseconds> timeout);
// Sends `signal` to the container's PID 1; an error when it does not run.
Status kill_container(const Containers& containers, const std::string& id, int signal);
// Blocks until the container is not running; its exit code (-1 when unknown).
Result<int> wait_container(const Containers& containers, const std::string& id);
// rm: a running container needs `force` (then it is killed first); `volumes`
// (rm -v) removes its anonymous volumes too.
Status remove_container(const Containers& containers, const std::string& id, bool force,
                        bool volumes = false);
Status rename_container(const Containers& containers, const std::string& id,
                        const std::string& new_name);
// Removes every container that does not run; returns their ids.
Result<std::vector<std::string>> prune_containers(const Containers& containers);

// `top`: the container's processes, read from the host's /proc (every process
// in the container's pid namespace).
struct ProcessRow {
  pid_t pid = 0;     // as the host sees it
  pid_t ppid = 0;    // as the host sees it
  uint32_t uid = 0;  // inside the container
  std::string time;  // cpu time, [[dd-]hh:]mm:ss
  std::string command;
};
Result<std::vector<ProcessRow>> container_processes(const Containers& containers,
                                                    const std::string& id);

// One record of ctr.log: `<RFC3339Nano> <stdout|stderr> <F|P> <text>`.
struct LogRecord {
  std::string time;
  bool is_stderr = false;
  bool partial = false;  // P: the line continues in the next record
  std::string text;      // without the newline
};
std::optional<LogRecord> parse_log_record(std::string_view line);

struct LogOptions {
  bool follow = false;
  std::optional<size_t> tail;  // last N lines
  bool timestamps = false;
};
// Calls `sink(is_stderr, bytes)` with the log's output (newlines restored,
// timestamps prefixed when asked); with `follow`, until the container ends.
Status read_logs(const Containers& containers, const std::string& id, const LogOptions& options,
                 const std::function<void(bool is_stderr, std::string_view data)>& sink);

}  // namespace sbx::containers
