// `sandbox stats` and `sandbox update` on running containers: which cgroup a
// name stands for, and two readings of it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/cgroup_fs.hpp"
#include "sandbox/cgroup/io_stats.hpp"

namespace sbx::containers {

// A running container with a cgroup of its own.
struct CgroupTarget {
  std::string id;
  std::filesystem::path cgroup;
  std::string name;  // "" when found only by its scope
};

// A name or id of the store at `store_root` first (its state.json holds the
// cgroup), else an id prefix among this user's sandbox scopes (any store).
Result<CgroupTarget> find_cgroup_target(const std::filesystem::path& store_root,
                                        const std::string& name);
// The running containers of the store that have a cgroup of their own.
std::vector<CgroupTarget> running_with_cgroups(const std::filesystem::path& store_root);

struct StatsSample {
  std::string id;
  cgroup::Stats stats;
  double cpu_percent = 0;
  std::optional<cgroup::IoBytes> net;    // nullopt: unknown
  std::optional<cgroup::IoBytes> block;  // nullopt: io not enabled
  std::string name;                      // "" when unknown
};

// Two readings `interval` apart: cpu % is the usage in between. A container
// that exited in between is left out.
Result<std::vector<StatsSample>> sample_stats(const std::vector<CgroupTarget>& targets,
                                              std::chrono::milliseconds interval);

}  // namespace sbx::containers
