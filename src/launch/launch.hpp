// The shared start of a container (run, run -d, start): spawn, id maps,
// host side (network, cgroup), exec. The caller then watches the process.
#pragma once

#include <filesystem>
#include <functional>

#include "host_cgroup.hpp"
#include "host_network.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"
#include "spawn.hpp"

namespace sbx::launch {

// The started container and what the host holds for it (network, cgroup).
struct Launched {
  ContainerProcess process;
  NetworkAttachment network;
  CgroupPlacement cgroup;
};

// spawn, joining the namespaces made `ahead` -> child mounts and pivots ->
// host side -> exec. `meanwhile` (writing the container's records)
// runs while the child mounts, time the parent otherwise spends waiting.
// Defined in run.cpp.
Result<Launched> launch(const LaunchPlan& plan, const containers::ContainerSpec& spec,
                        const std::filesystem::path& runtime_dir, NamespacesToJoin ahead,
                        const std::function<Status()>& meanwhile = {});

// state.json for a launched container watched by `watcher` (this process, or
// the monitor it becomes): pids with start times, network and cgroup parts.
containers::RuntimeState describe_launched(const Launched& launched, pid_t watcher,
                                           const std::string& started_at);

// -d and `start`: forks a launcher that launches the container, writes its
// state, reports back and becomes the monitor. Returns once the container
// runs (or with the launcher's error). Must be called single-threaded.
Status launch_detached(const containers::Containers& containers, const std::string& id,
                       const LaunchPlan& plan, const containers::ContainerSpec& spec,
                       NamespacesToJoin ahead);

}  // namespace sbx::launch
