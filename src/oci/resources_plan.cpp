// linux.resources -> the cgroup request `sandbox run` makes from its flags: the
// same systemd scope or delegated cgroupfs placement, and the same refusal
// where the host cannot enforce a limit. Nothing asked: no cgroup work.
#include "sandbox/base/strings.hpp"
#include "sandbox/oci/plan.hpp"

namespace sbx::oci {
namespace {

constexpr uint64_t kDefaultCpuShares = 1024;

// blkio.weight (10..1000) -> io.weight (1..10000), as crun converts it.
uint64_t blkio_to_io_weight(uint16_t weight) {
  return 1 + (static_cast<uint64_t>(weight < 10 ? 10 : weight) - 10) * 9999 / 990;
}

}  // namespace

Result<cgroup::CgroupRequest> plan_resources(const Linux& linux_config) {
  cgroup::CgroupRequest request;
  if (!linux_config.resources) return request;
  const Resources& r = *linux_config.resources;
  std::vector<std::string> refused = r.unsupported;
  if (!r.unified.empty()) refused.push_back("unified");
  if (!r.cpuset_mems.empty()) refused.push_back("cpu.mems");
  if (!refused.empty())
    return fail("linux.resources: " + join(refused, ", ") +
                ": not supported; the limits sandbox-runtime applies are memory, cpu, "
                "cpuset.cpus, pids and blockIO.weight");
  cgroup::Limits& l = request.limits;
  if (r.memory_limit && *r.memory_limit > 0) l.memory = r.memory_limit;
  if (r.memory_swap && *r.memory_swap > 0) l.memory_swap = r.memory_swap;
  if (r.memory_reservation && *r.memory_reservation > 0)
    l.memory_reservation = r.memory_reservation;
  if (r.cpu_quota && *r.cpu_quota > 0)
    l.cpus = static_cast<double>(*r.cpu_quota) / static_cast<double>(r.cpu_period.value_or(100000));
  // 1024 shares is the kernel's default weight, which ctr asks for on every
  // container: no request, so hosts without a delegated cgroup still run it.
  if (r.cpu_shares && *r.cpu_shares > 0 && *r.cpu_shares != kDefaultCpuShares)
    l.cpu_weight = cgroup::cpu_shares_to_weight(*r.cpu_shares);
  l.cpuset_cpus = r.cpuset_cpus;
  if (r.pids_limit && *r.pids_limit > 0) l.pids_limit = r.pids_limit;
  if (r.blkio_weight && *r.blkio_weight > 0) l.io_weight = blkio_to_io_weight(*r.blkio_weight);
  // runc's convention: a systemd cgroupsPath is "slice:prefix:name".
  request.manager = linux_config.cgroups_path.find(':') != std::string::npos
                        ? cgroup::Manager::kSystemd
                        : cgroup::Manager::kCgroupfs;
  return request;
}

}  // namespace sbx::oci
