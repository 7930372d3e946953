// The host side of a container's resource limits: checked while
// planning (settle_cgroup_limits), made while the child waits in
// kWaitingForHost (place_in_cgroup): a systemd scope or a delegated cgroupfs
// subtree with the limits written. Owned by the cgroup work; run.cpp only
// calls these two.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/images/pull.hpp"

namespace sbx::launch {

class CgroupPlacement {
 public:
  CgroupPlacement() = default;
  explicit CgroupPlacement(std::filesystem::path container) : container_(std::move(container)) {}
  // Fills cgroup_path of `state` ("" when the container has no cgroup of its own).
  void describe(containers::RuntimeState& state) const { state.cgroup_path = container_.string(); }
  const std::filesystem::path& container_cgroup() const { return container_; }

 private:
  std::filesystem::path container_;
};

// Before anything starts: limits this host cannot enforce fail the run with
// the fix, or (--limits=best-effort) are dropped with one warning.
Status settle_cgroup_limits(containers::ContainerSpec& spec, images::ProgressSink& progress);

// `launcher_pid` is the process that will watch the container (the monitor
// with -d, else `sandbox run` itself).
Result<CgroupPlacement> place_in_cgroup(const containers::ContainerSpec& spec,
                                        const std::string& id, pid_t container_pid,
                                        pid_t launcher_pid);

}  // namespace sbx::launch
