#include "host_cgroup.hpp"

#include "sandbox/cgroup/placement.hpp"

namespace sbx::runtime {

Status settle_cgroup_limits(ContainerSpec& spec, ProgressSink& progress) {
  auto warning = SBX_TRY(cgroup::settle_limits(spec.cgroup));
  if (warning) progress.warning(*warning);
  return {};
}

Result<CgroupPlacement> place_in_cgroup(const ContainerSpec& spec, const std::string& id,
                                        pid_t container_pid, pid_t launcher_pid) {
  auto placement = SBX_TRY(cgroup::place(id, spec.cgroup, container_pid, launcher_pid));
  return CgroupPlacement(placement.container);
}

}  // namespace sbx::runtime
