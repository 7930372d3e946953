// Plain cgroup v2 file operations on one cgroup directory (under
// /sys/fs/cgroup): the parts both managers (systemd scope, cgroupfs) share,
// plus the figures `stats` shows. Errors name the file and the errno.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"

namespace sbx::cgroup {

inline constexpr const char* kCgroupMount = "/sys/fs/cgroup";

// The directory of a v2 path such as "/user.slice/x.scope".
std::filesystem::path cgroup_dir(std::string_view v2_path);
// The v2 path of a process (from /proc/<pid>/cgroup), "" without one.
Result<std::string> cgroup_of(pid_t pid);

std::vector<std::string> read_controllers(const std::filesystem::path& cgroup);
// "+cpu +memory" into cgroup.subtree_control, one at a time so an error names
// the controller.
Status enable_controllers(const std::filesystem::path& cgroup,
                          const std::vector<std::string>& names);
Status move_process(const std::filesystem::path& cgroup, pid_t pid);
// SIGKILL to every process in it (cgroup.kill, Linux 5.14).
Status kill_all(const std::filesystem::path& cgroup);
Status write_limits(const std::filesystem::path& cgroup, const Limits& limits);

// "key value" lines (cpu.stat, memory.events, memory.stat); nullopt if absent.
std::optional<uint64_t> flat_keyed_value(std::string_view text, std::string_view key);
// memory.events oom_kill > 0 (false when the file is gone).
bool oom_killed(const std::filesystem::path& cgroup);

struct Stats {
  uint64_t memory_current = 0;
  std::optional<uint64_t> memory_max;  // nullopt = "max"
  uint64_t cpu_usage_usec = 0;
  uint64_t cpu_user_usec = 0;
  uint64_t cpu_system_usec = 0;
  uint64_t cpu_throttled_usec = 0;
  uint64_t pids_current = 0;
  std::optional<uint64_t> pids_max;
  uint64_t oom_kills = 0;
};
// Figures of controllers that are not enabled stay 0.
Result<Stats> read_stats(const std::filesystem::path& cgroup);

}  // namespace sbx::cgroup
