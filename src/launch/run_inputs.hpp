// The parent's I/O before planning: everything make_launch_plan needs, found
// out from the store, the host and the image's files.
#pragma once

#include <string>

#include "sandbox/containers/spec.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/launch/plan.hpp"
#include "sandbox/launch/users.hpp"
#include "sandbox/store/store.hpp"
#include "sandbox/userns/namespace_holder.hpp"

namespace sbx::launch {

containers::ImageDefaults image_defaults(const image::ImageConfig& config);

// Our proxy variables when `http_proxy` (podman's --http-proxy), then
// --env-file entries (files in order), then -e; KEY alone is taken from our
// environment (dropped when unset). Shared by run and exec.
Result<std::vector<std::string>> collect_env(const std::vector<std::string>& env_files,
                                             const std::vector<std::string>& env,
                                             bool http_proxy = false);

// -v host paths must exist: a missing one is an error, never a made dir.
Status check_bind_sources(const containers::ContainerSpec& spec);

// The container's namespaces, made first: the kernel's work for them and the
// setuid helpers that map the user namespace run while everything else is
// prepared. All a userns::NamespaceHolder can hold, less the net namespace
// with host networking; the invoking user's id maps (a warning when a
// subordinate range is missing).
struct NamespacesAhead {
  userns::IdMaps maps;
  userns::NamespaceHolder holder;
};
Result<NamespacesAhead> make_namespaces_ahead(bool keep_id, bool host_network,
                                              images::ProgressSink& progress);

// The plan for container `id`: what the parent must find out
// (gather_launch_inputs), then the pure planner (make_launch_plan). Shared by
// run, run -d and start.
Result<LaunchPlan> plan_container(const store::Store& store, const store::ImageRecord& image,
                                  const containers::ContainerSpec& spec, const std::string& id,
                                  const std::filesystem::path& runtime_dir,
                                  const userns::IdMaps& maps, const std::string& storage_driver);

// The container's capabilities, rlimits and seccomp program (compiled once,
// then read from the cache under the store). Shared by run and exec.
Result<security::SecurityPlan> plan_security(security::SecurityOptions options,
                                             const std::filesystem::path& store_root);

}  // namespace sbx::launch
