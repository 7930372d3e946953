#include "sandbox/containers/update.hpp"

#include "sandbox/cgroup/placement.hpp"

namespace sbx::containers {

Status update_container_limits(const Containers& containers, const std::string& id,
                               const cgroup::Limits& limits) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  if (info.status == ContainerStatus::kRunning) {
    if (!info.runtime || info.runtime->cgroup_path.empty())
      return fail(Error("container " + info.name + " runs without a cgroup of its own")
                      .with_hint("stop it, update it, and start it again: a stopped "
                                 "container takes the limits at its start"));
    SBX_TRY(cgroup::update_limits(info.runtime->cgroup_path, limits));
  }
  ContainerSpec spec = info.spec;
  cgroup::merge_limits(spec.cgroup.limits, limits);
  return with_context(
      containers.write_config(id, spec, {info.image, info.created_at, info.storage_driver}),
      "record the limits of " + info.name);
}

}  // namespace sbx::containers
