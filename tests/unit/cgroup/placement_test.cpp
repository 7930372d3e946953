// The cgroupfs manager's pure parts: where its cgroups go and what it removes
// (on plain directories: rmdir works the same there).
#include "sandbox/cgroup/placement.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sandbox/base/files.hpp"

namespace sbx::cgroup {
namespace {

namespace fs = std::filesystem;

TEST(CgroupfsBase, TheCurrentCgroupOrTheOneAboveItsInitLeaf) {
  EXPECT_EQ(cgroupfs_base("/user.slice/run-u5.scope"), "/user.slice/run-u5.scope");
  // An earlier run moved the processes into the init leaf: the base stays.
  EXPECT_EQ(cgroupfs_base("/user.slice/run-u5.scope/sandbox-init"), "/user.slice/run-u5.scope");
  EXPECT_EQ(cgroupfs_base("/sandbox-init"), "/");
  EXPECT_EQ(cgroupfs_base("/"), "/");
  EXPECT_EQ(cgroupfs_base("/a/not-sandbox-init"), "/a/not-sandbox-init");
}

TEST(RemoveCgroup, RemovesTheCgroupfsDirs) {
  auto tmp = TempDir::create().value();
  fs::create_directories(tmp.path() / "sandbox-0123abcd" / "container");
  fs::create_directories(tmp.path() / "sandbox-init");
  ASSERT_TRUE(remove_cgroup(tmp.path() / "sandbox-0123abcd" / "container"));
  EXPECT_FALSE(fs::exists(tmp.path() / "sandbox-0123abcd"));
  EXPECT_TRUE(fs::exists(tmp.path() / "sandbox-init"));  // shared, not the container's
  // Already gone: nothing to do.
  EXPECT_TRUE(remove_cgroup(tmp.path() / "sandbox-0123abcd" / "container"));
}

TEST(RemoveCgroup, LeavesSystemdScopesToSystemd) {
  auto tmp = TempDir::create().value();
  auto scoped = tmp.path() / "sandbox-0123abcd.scope" / "container";
  fs::create_directories(scoped);
  ASSERT_TRUE(remove_cgroup(scoped));
  EXPECT_TRUE(fs::exists(scoped));
  auto other = tmp.path() / "elsewhere" / "container";
  fs::create_directories(other);
  ASSERT_TRUE(remove_cgroup(other));
  EXPECT_TRUE(fs::exists(other));
}

TEST(RemoveCgroup, ReportsWhatCannotBeRemoved) {
  auto tmp = TempDir::create().value();
  auto container = tmp.path() / "sandbox-0123abcd" / "container";
  fs::create_directories(container / "left-over");  // a real cgroup would be busy instead
  auto removed = remove_cgroup(container);
  ASSERT_FALSE(removed);
  EXPECT_NE(removed.error().message().find("rmdir"), std::string::npos)
      << removed.error().message();
  EXPECT_TRUE(fs::exists(container));
}

TEST(Settle, CgroupfsOnAHybridHostSaysSo) {
  CgroupRequest r{.limits = parse_limits({.memory = "64m"}).value(), .manager = Manager::kCgroupfs};
  auto s = settle_limits_against(
      r, std::nullopt,
      "--cgroup-manager=cgroupfs: this host's cgroups are hybrid, limits need cgroup v2");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("cgroupfs"), std::string::npos);
  EXPECT_NE(s.error().hint().find("systemd.unified_cgroup_hierarchy=1"), std::string::npos);
}

TEST(Settle, CgroupfsOutsideADelegatedCgroupSaysHowToGetOne) {
  CgroupRequest r{.limits = parse_limits({.pids_limit = "10"}).value(),
                  .manager = Manager::kCgroupfs};
  auto s = settle_limits_against(
      r, std::nullopt,
      "--cgroup-manager=cgroupfs: the current cgroup /system.slice/x.service is not delegated "
      "to you (not writable)");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("/system.slice/x.service"), std::string::npos);
  EXPECT_NE(s.error().hint().find("systemd-run --user --scope -p Delegate=yes"), std::string::npos)
      << s.error().hint();
}

}  // namespace
}  // namespace sbx::cgroup
