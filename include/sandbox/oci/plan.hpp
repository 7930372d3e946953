// A bundle's config.json -> the launch plan and what `create` joins and runs
// on the host side. The same LaunchPlan `sandbox run` carries out: one
// launcher, two front ends. Pure except for resolving the bundle's paths.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"
#include "sandbox/launch/plan.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {

struct OciPlan {
  launch::LaunchPlan launch;
  std::vector<std::pair<std::string, int>> join_paths;  // {path, CLONE_NEW*}, user first
  std::optional<int> oom_score_adj;
  cgroup::CgroupRequest cgroup;  // no limits: no cgroup work at all
  std::filesystem::path rootfs;  // resolved
};

// `bundle` must be absolute. `euid` decides whether a config without a user
// namespace can work (only as root, in the host's or an engine's namespace).
Result<OciPlan> plan_from_config(const Config& config, const std::string& id,
                                 const std::filesystem::path& bundle, uid_t euid);

// process -> the launcher's process: credentials, cwd, env, terminal.
Result<launch::ProcessPlan> plan_process(const Process& process);
// process.{capabilities,rlimits,noNewPrivileges} and linux.seccomp.
Result<security::SecurityPlan> plan_security(const Process& process, const Linux& linux_config);

// linux.resources -> the cgroup request (resources_plan.cpp); fields no cgroup
// code applies are an error, never dropped.
Result<cgroup::CgroupRequest> plan_resources(const Linux& linux_config);

// mounts[] and linux.devices -> the plan's mounts, /dev links (mount_plan.cpp).
Result<std::vector<launch::PlanMount>> plan_mounts(const Config& config,
                                                   const std::filesystem::path& bundle);
// "ro,nosuid,mode=755" -> flags and the data that remains; "rbind" -> recursive.
Result<launch::PlanMount> plan_mount(const Mount& mount, const std::filesystem::path& bundle);

}  // namespace sbx::oci
