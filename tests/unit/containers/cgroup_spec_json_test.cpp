// config.json keeps a container's limits, so `start` applies them again.
#include <gtest/gtest.h>

#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

TEST(CgroupSpecJson, LimitsRoundTrip) {
  ContainerSpec spec;
  spec.argv = {"true"};
  spec.cgroup = cgroup::parse_cgroup_request({.memory = "64m",
                                              .memory_swap = "-1",
                                              .cpus = "0.5",
                                              .cpu_weight = "200",
                                              .cpuset_cpus = "0-1",
                                              .pids_limit = "20",
                                              .io_weight = "300",
                                              .cgroup_manager = "cgroupfs",
                                              .limits_policy = "best-effort"})
                    .value();
  auto back = container_spec_from_json(container_spec_to_json(spec));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->cgroup, spec.cgroup);
  EXPECT_EQ(back->cgroup.limits.memory, 64LL << 20);
}

TEST(CgroupSpecJson, NoLimitsStayNone) {
  ContainerSpec spec;
  spec.argv = {"true"};
  auto back = container_spec_from_json(container_spec_to_json(spec));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->cgroup.limits.any());
  EXPECT_EQ(back->cgroup.manager, cgroup::Manager::kSystemd);
}

}  // namespace
}  // namespace sbx::containers
