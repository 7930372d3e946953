#include "host_cgroup.hpp"

#include "sandbox/cgroup/placement.hpp"

namespace sbx::launch {

Status settle_cgroup_limits(containers::ContainerSpec& spec, images::ProgressSink& progress) {
  auto warning = SBX_TRY(cgroup::settle_limits(spec.cgroup));
  if (warning) progress.warning(*warning);
  return {};
}

Result<CgroupPlacement> place_in_cgroup(const containers::ContainerSpec& spec,
                                        const std::string& id, pid_t container_pid,
                                        pid_t launcher_pid) {
  // `start` of a container whose limits this host cannot enforce (or no
  // longer: a changed delegation, an `update`) fails as `run` would.
  cgroup::CgroupRequest request = spec.cgroup;
  (void)SBX_TRY(cgroup::settle_limits(request));
  auto placement = SBX_TRY(cgroup::place(id, request, container_pid, launcher_pid));
  return CgroupPlacement(placement.container);
}

}  // namespace sbx::launch
