// --group-add, keep-groups, --device, --tz and keep-id's files in the launch plan.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>

#include "sandbox/launch/plan.hpp"

namespace sbx::launch {
namespace {

LaunchInputs identity_inputs() {
  LaunchInputs in;
  in.container_id = "0123456789abcdef0123";
  in.id_maps.uids = {{0, 1000, 1}, {1, 100000, 65535}};
  in.id_maps.gids = {{0, 1000, 1}, {1, 100000, 65535}};
  in.passwd = "root:x:0:0::/root:/bin/sh\n";
  in.group = "root:x:0:\naudio:x:29:\n";
  in.etc_dir = "/run/x/etc";
  return in;
}

containers::ContainerSpec identity_spec() {
  containers::ContainerSpec s;
  s.argv = {"sh"};
  return s;
}

const PlanMount* identity_mount(const LaunchPlan& plan, const std::string& destination) {
  auto it = std::ranges::find(plan.mounts, destination, &PlanMount::destination);
  return it == plan.mounts.end() ? nullptr : &*it;
}

TEST(LaunchPlanIdentity, GroupAddResolvesNamesAndChecksTheMap) {
  auto s = identity_spec();
  s.group_add = {"audio", "4242", "audio"};
  auto plan = make_launch_plan(s, identity_inputs());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->process.additional_gids, (std::vector<uint32_t>{29, 4242}));
  EXPECT_FALSE(plan->process.keep_groups);
  s.group_add = {"video"};
  EXPECT_FALSE(make_launch_plan(s, identity_inputs()));
  s.group_add = {"70000"};  // beyond the map
  auto unmapped = make_launch_plan(s, identity_inputs());
  ASSERT_FALSE(unmapped);
  EXPECT_NE(unmapped.error().message().find("not mapped"), std::string::npos);
  s.group_add = {"keep-groups"};
  auto keep = make_launch_plan(s, identity_inputs());
  ASSERT_TRUE(keep) << keep.error().message();
  EXPECT_TRUE(keep->process.keep_groups);
}

TEST(LaunchPlanIdentity, DevicesZoneAndKeepIdFilesAreBinds) {
  auto s = identity_spec();
  s.devices = {{"/dev/zero", "/dev/myzero", "rwm"}, {"/dev/urandom", "/dev/r", "r"}};
  auto in = identity_inputs();
  in.localtime = "/usr/share/zoneinfo/Asia/Tokyo";
  in.etc_passwd = true;
  auto plan = make_launch_plan(s, in);
  ASSERT_TRUE(plan) << plan.error().message();
  const PlanMount* zero = identity_mount(*plan, "/dev/myzero");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->source, "/dev/zero");
  EXPECT_TRUE(zero->file);
  EXPECT_EQ(zero->flags & MS_RDONLY, 0u);
  ASSERT_TRUE(identity_mount(*plan, "/dev/r"));
  EXPECT_NE(identity_mount(*plan, "/dev/r")->flags & MS_RDONLY, 0u);
  // After /dev's tmpfs.
  auto dev = std::ranges::find(plan->mounts, "/dev", &PlanMount::destination);
  EXPECT_LT(dev - plan->mounts.begin(), zero - plan->mounts.data());
  const PlanMount* localtime = identity_mount(*plan, "/etc/localtime");
  ASSERT_TRUE(localtime);
  EXPECT_EQ(localtime->source, "/usr/share/zoneinfo/Asia/Tokyo");
  EXPECT_NE(localtime->flags & MS_RDONLY, 0u);
  ASSERT_TRUE(identity_mount(*plan, "/etc/passwd"));
  EXPECT_EQ(identity_mount(*plan, "/etc/passwd")->source, "/run/x/etc/passwd");
  EXPECT_FALSE(identity_mount(*plan, "/etc/group"));
  auto plain = make_launch_plan(identity_spec(), identity_inputs());
  EXPECT_FALSE(identity_mount(*plain, "/etc/localtime"));
  EXPECT_FALSE(identity_mount(*plain, "/etc/passwd"));
}

}  // namespace
}  // namespace sbx::launch
