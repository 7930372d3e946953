// The shared start of a container (run, run -d, start): spawn, id maps,
// host side (network, cgroup), exec. The caller then watches the process.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

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
  // init's report that the command could not be exec'd (errno ENOENT: 127,
  // else 126); init then exits with that code, as with any command's end.
  std::optional<Error> command_failed;
};

// spawn, joining the namespaces made `ahead` -> child mounts and pivots ->
// host side -> exec. `meanwhile` (writing the container's records)
// runs while the child mounts, time the parent otherwise spends waiting.
// Defined in run.cpp.
Result<Launched> launch(const LaunchPlan& plan, const containers::ContainerSpec& spec,
                        const std::filesystem::path& runtime_dir, NamespacesToJoin ahead,
                        const std::function<Status()>& meanwhile = {},
                        const SpawnOptions& spawn_options = {});

// state.json for a launched container watched by `watcher` (this process, or
// the monitor it becomes): pids with start times, network and cgroup parts.
containers::RuntimeState describe_launched(const Launched& launched, pid_t watcher,
                                           const std::string& started_at);

// -d and `start`: forks a launcher that launches the container, writes its
// state, reports back and becomes the monitor. Returns once the container's
// command runs (nullopt), or once the container ended because its command
// could not be exec'd (that Error: 127/126, and the monitor recording the end), or the
// launcher's error. Must be called single-threaded.
struct DetachedStart {
  std::optional<Error> command_failed;
  // With command_failed: the monitor (our child), which records that end
  // through `container cleanup`, which takes the container's lock: wait for
  // it once the caller let its locks go.
  ChildProcess monitor;
};
Result<DetachedStart> launch_detached(const containers::Containers& containers,
                                      const std::string& id, const LaunchPlan& plan,
                                      const containers::ContainerSpec& spec, NamespacesToJoin ahead,
                                      bool wait_for_attach = false);

}  // namespace sbx::launch
