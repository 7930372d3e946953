#include "sandbox/cgroup/host_check.hpp"

#include <gtest/gtest.h>

namespace sbx::cgroup {
namespace {

constexpr const char* kHybrid =
    "30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
constexpr const char* kUnified =
    "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
constexpr const char* kLegacy =
    "32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";

TEST(CgroupLayout, ReadFromMountinfo) {
  EXPECT_EQ(layout_from_mountinfo(kHybrid), Layout::kHybrid);
  EXPECT_EQ(layout_from_mountinfo(kUnified), Layout::kUnified);
  EXPECT_EQ(layout_from_mountinfo(kLegacy), Layout::kLegacy);
  EXPECT_EQ(layout_from_mountinfo(""), Layout::kNone);
}

TEST(CgroupLayout, UnifiedPathIsTheZeroLine) {
  EXPECT_EQ(unified_path_from_proc_cgroup("12:memory:/x\n0::/user.slice/user-1000.slice\n"),
            "/user.slice/user-1000.slice");
  EXPECT_EQ(unified_path_from_proc_cgroup("12:memory:/x\n"), "");
}

TEST(CgroupJudge, MissingControllersNameTheDropIn) {
  CgroupFacts facts{.layout = Layout::kUnified, .own_cgroup = "/u", .controllers = {"memory"}};
  auto checks = judge_cgroup_facts(facts);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_TRUE(checks[0].ok);
  EXPECT_FALSE(checks[1].ok);
  EXPECT_NE(checks[1].fix.find("delegate.conf"), std::string::npos);
  facts.controllers = {"cpu", "memory", "pids", "io"};
  EXPECT_TRUE(judge_cgroup_facts(facts)[1].ok);
  facts.layout = Layout::kHybrid;
  EXPECT_FALSE(judge_cgroup_facts(facts)[0].ok);
}

}  // namespace
}  // namespace sbx::cgroup
