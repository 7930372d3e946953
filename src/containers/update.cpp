#include "sandbox/containers/update.hpp"

#include "quiet_lookup.hpp"
#include "sandbox/cgroup/placement.hpp"
#include "sandbox/containers/stats.hpp"

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

Result<cgroup::Limits> limits_to_update(const cgroup::LimitFlags& flags) {
  auto limits = SBX_TRY(cgroup::parse_limits(flags));
  if (!limits.any())
    return fail(Error("nothing to update").with_hint("give a limit such as --memory 512m"));
  return limits;
}

Status update_limits_of(const std::filesystem::path& store_root, const std::string& name,
                        const cgroup::Limits& limits) {
  std::optional<Containers> containers = open_quietly(store_root);
  if (auto id = resolve_quietly(containers, name))
    return with_context(update_container_limits(*containers, *id, limits), "update " + name);
  CgroupTarget target = SBX_TRY(find_cgroup_target(store_root, name));
  return with_context(cgroup::update_limits(target.cgroup, limits), "update " + name);
}

}  // namespace sbx::containers
