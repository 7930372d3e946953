#include "sandbox/cgroup/limits.hpp"

#include <gtest/gtest.h>

#include "sandbox/cgroup/cgroup_fs.hpp"
#include "sandbox/cgroup/placement.hpp"

namespace sbx::cgroup {
namespace {

TEST(ParseSize, DockerUnits) {
  EXPECT_EQ(parse_size("1024").value(), 1024);
  EXPECT_EQ(parse_size("64m").value(), 64LL << 20);
  EXPECT_EQ(parse_size("64M").value(), 64LL << 20);
  EXPECT_EQ(parse_size("2g").value(), 2LL << 30);
  EXPECT_EQ(parse_size("2gb").value(), 2LL << 30);
  EXPECT_EQ(parse_size("512k").value(), 512LL << 10);
  EXPECT_EQ(parse_size("10b").value(), 10);
  EXPECT_EQ(parse_size("-1").value(), -1);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("m"));
  EXPECT_FALSE(parse_size("1.5g"));
  EXPECT_FALSE(parse_size("-2m"));
  EXPECT_FALSE(parse_size("12x"));
  EXPECT_FALSE(parse_size("99999999999t"));
}

TEST(CpuShares, PodmanConversion) {
  EXPECT_EQ(cpu_shares_to_weight(2), 1u);
  EXPECT_EQ(cpu_shares_to_weight(1024), 39u);
  EXPECT_EQ(cpu_shares_to_weight(262144), 10000u);
}

TEST(ParseLimits, NothingAskedIsNoLimits) {
  auto r = parse_cgroup_request({});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->limits.any());
  EXPECT_EQ(r->manager, Manager::kSystemd);
  EXPECT_EQ(r->policy, Policy::kStrict);
}

TEST(ParseLimits, Checks) {
  EXPECT_FALSE(parse_limits({.memory = "1m"}));                         // below 6m
  EXPECT_FALSE(parse_limits({.memory_swap = "1g"}));                    // swap without memory
  EXPECT_FALSE(parse_limits({.memory = "1g", .memory_swap = "512m"}));  // swap below memory
  EXPECT_FALSE(parse_limits({.memory = "64m", .memory_reservation = "1g"}));
  EXPECT_FALSE(parse_limits({.cpus = "0"}));
  EXPECT_FALSE(parse_limits({.cpus = "abc"}));
  EXPECT_FALSE(parse_limits({.cpu_shares = "1"}));
  EXPECT_FALSE(parse_limits({.cpu_shares = "100", .cpu_weight = "100"}));
  EXPECT_FALSE(parse_limits({.cpuset_cpus = "0,,1"}));
  EXPECT_FALSE(parse_limits({.cpuset_cpus = "a"}));
  EXPECT_FALSE(parse_limits({.pids_limit = "x"}));
  EXPECT_FALSE(parse_limits({.io_weight = "0"}));
  EXPECT_FALSE(parse_cgroup_request({.cgroup_manager = "cgroupv1"}));
  EXPECT_FALSE(parse_cgroup_request({.limits_policy = "maybe"}));
  EXPECT_TRUE(parse_limits({.cpuset_cpus = "0-2,4"}));
}

TEST(ParseLimits, ManagerAndPolicy) {
  auto r = parse_cgroup_request(
      {.memory = "64m", .cgroup_manager = "cgroupfs", .limits_policy = "best-effort"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->manager, Manager::kCgroupfs);
  EXPECT_EQ(r->policy, Policy::kBestEffort);
  EXPECT_TRUE(r->limits.any());
}

TEST(LimitWrites, FilesAndValues) {
  auto l = parse_limits({.memory = "256m",
                         .memory_swap = "512m",
                         .memory_reservation = "128m",
                         .cpus = "1.5",
                         .cpu_shares = "1024",
                         .cpuset_cpus = "0-1",
                         .pids_limit = "100",
                         .io_weight = "200"});
  ASSERT_TRUE(l) << l.error().message();
  std::vector<CgroupWrite> want = {{"memory.low", "134217728", "memory"},
                                   {"memory.max", "268435456", "memory"},
                                   {"memory.swap.max", "268435456", "memory"},
                                   {"cpu.max", "150000 100000", "cpu"},
                                   {"cpu.weight", "39", "cpu"},
                                   {"cpuset.cpus", "0-1", "cpuset"},
                                   {"pids.max", "100", "pids"},
                                   {"io.weight", "default 200", "io"}};
  EXPECT_EQ(limit_writes(*l), want);
  EXPECT_EQ(required_controllers(*l),
            (std::vector<std::string>{"cpu", "cpuset", "io", "memory", "pids"}));
}

TEST(LimitWrites, SwapDefaultsAndUnlimited) {
  auto l = parse_limits({.memory = "64m"});
  ASSERT_TRUE(l);
  // docker: without --memory-swap, as much swap as memory.
  EXPECT_EQ(limit_writes(*l)[1], (CgroupWrite{"memory.swap.max", "67108864", "memory"}));
  l = parse_limits({.memory = "64m", .memory_swap = "-1"});
  EXPECT_EQ(limit_writes(*l)[1].value, "max");
  l = parse_limits({.memory = "64m", .memory_swap = "64m"});
  EXPECT_EQ(limit_writes(*l)[1].value, "0");
  l = parse_limits({.pids_limit = "-1"});
  EXPECT_EQ(limit_writes(*l), (std::vector<CgroupWrite>{{"pids.max", "max", "pids"}}));
  l = parse_limits({.pids_limit = "0"});
  EXPECT_EQ(limit_writes(*l)[0].value, "max");
  l = parse_limits({.cpus = "0.5"});
  EXPECT_EQ(limit_writes(*l)[0].value, "50000 100000");
}

TEST(DropUnavailable, RemovesOnlyMissingControllers) {
  auto l = parse_limits({.memory = "64m", .cpus = "1", .pids_limit = "20"}).value();
  auto missing = drop_unavailable(l, {"cpu", "pids"});
  EXPECT_EQ(missing, std::vector<std::string>{"memory"});
  EXPECT_FALSE(l.memory);
  EXPECT_TRUE(l.cpus);
  EXPECT_EQ(l.pids_limit, 20);
}

TEST(Settle, NoLimitsNeverLooksAtTheHost) {
  CgroupRequest r;
  auto s = settle_limits(r);  // must not fail even on a host without cgroup v2
  ASSERT_TRUE(s);
  EXPECT_FALSE(*s);
}

TEST(Settle, StrictNamesTheControllerAndTheFix) {
  CgroupRequest r{.limits = parse_limits({.memory = "64m", .pids_limit = "20"}).value()};
  auto s = settle_limits_against(r, std::vector<std::string>{"cpu", "pids"}, "");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("memory (--memory"), std::string::npos) << s.error().message();
  EXPECT_EQ(s.error().message().find("pids ("), std::string::npos);
  EXPECT_NE(s.error().hint().find("Delegate=cpu cpuset io memory pids"), std::string::npos);
  EXPECT_NE(s.error().hint().find("loginctl enable-linger"), std::string::npos);
}

TEST(Settle, NoCgroupAtAllSaysWhy) {
  CgroupRequest r{.limits = parse_limits({.cpus = "1"}).value()};
  auto s = settle_limits_against(r, std::nullopt, "this host's cgroups are hybrid");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("hybrid"), std::string::npos);
  EXPECT_NE(s.error().message().find("cpu (--cpus"), std::string::npos);
}

TEST(Settle, BestEffortWarnsAndDrops) {
  CgroupRequest r{.limits = parse_limits({.memory = "64m", .pids_limit = "20"}).value(),
                  .policy = Policy::kBestEffort};
  auto s = settle_limits_against(r, std::vector<std::string>{"pids"}, "");
  ASSERT_TRUE(s);
  ASSERT_TRUE(*s);
  EXPECT_NE(s->value().find("memory"), std::string::npos);
  EXPECT_FALSE(r.limits.memory);
  EXPECT_EQ(r.limits.pids_limit, 20);
}

TEST(Settle, AllAvailableIsQuiet) {
  CgroupRequest r{.limits = parse_limits({.memory = "64m"}).value()};
  auto s = settle_limits_against(r, std::vector<std::string>{"memory"}, "");
  ASSERT_TRUE(s);
  EXPECT_FALSE(*s);
  EXPECT_TRUE(r.limits.memory);
}

TEST(CgroupFiles, FlatKeyed) {
  const char* stat = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_throttled 3\n";
  EXPECT_EQ(flat_keyed_value(stat, "usage_usec"), 1500u);
  EXPECT_EQ(flat_keyed_value(stat, "system_usec"), 500u);
  EXPECT_EQ(flat_keyed_value(stat, "usage"), std::nullopt);
  EXPECT_EQ(flat_keyed_value("low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n", "oom_kill"), 1u);
}

TEST(CgroupFiles, DirOfV2Path) {
  EXPECT_EQ(cgroup_dir("/user.slice/a.scope"), "/sys/fs/cgroup/user.slice/a.scope");
  EXPECT_EQ(cgroup_dir("/"), "/sys/fs/cgroup/");
}

TEST(MergeLimits, UpdatedLimitsReplaceOthersStay) {
  Limits run = parse_limits({.memory = "64m", .cpus = "1", .pids_limit = "20"}).value();
  merge_limits(run, parse_limits({.memory = "256m", .pids_limit = "-1"}).value());
  EXPECT_EQ(run.memory, 256LL << 20);
  EXPECT_EQ(run.cpus, 1.0);
  EXPECT_EQ(run.pids_limit, -1);
  EXPECT_TRUE(run.cpuset_cpus.empty());
  merge_limits(run, parse_limits({.cpuset_cpus = "0-1"}).value());
  EXPECT_EQ(run.cpuset_cpus, "0-1");
  EXPECT_EQ(run.memory, 256LL << 20);
}

}  // namespace
}  // namespace sbx::cgroup
