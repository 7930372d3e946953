#include "sandbox/userns/host_check.hpp"

#include <gtest/gtest.h>

namespace sbx::userns {
namespace {

UsernsFacts healthy() {
  UsernsFacts facts;
  facts.user = "alice";
  facts.subuids = {{{100000, 65536}}, "/etc/subuid", 165536};
  facts.subgids = {{{100000, 65536}}, "/etc/subgid", 165536};
  facts.newuidmap = {"newuidmap", "/usr/bin/newuidmap", true, false};
  facts.newgidmap = {"newgidmap", "/usr/bin/newgidmap", false, true};
  facts.sysctls.max_user_namespaces = 1000;
  facts.probe.ok = true;
  return facts;
}

const HostCheck* find(const std::vector<HostCheck>& checks, const std::string& name) {
  for (const auto& check : checks)
    if (check.name == name) return &check;
  return nullptr;
}

TEST(HostCheck, HealthyHostIsAllOk) {
  auto checks = judge_userns_facts(healthy());
  for (const auto& check : checks) {
    EXPECT_TRUE(check.ok) << check.name << ": " << check.detail;
    EXPECT_TRUE(check.fix.empty()) << check.name;
  }
  ASSERT_TRUE(find(checks, "subuid"));
  EXPECT_NE(find(checks, "subuid")->detail.find("100000-165535"), std::string::npos);
  // Sysctls that do not exist on this kernel are not listed.
  EXPECT_FALSE(find(checks, "kernel.unprivileged_userns_clone"));
}

TEST(HostCheck, MissingRangeSaysWhichLineToAdd) {
  UsernsFacts facts = healthy();
  facts.subgids.ranges.clear();
  auto checks = judge_userns_facts(facts);
  const HostCheck* subgid = find(checks, "subgid");
  ASSERT_TRUE(subgid);
  EXPECT_FALSE(subgid->ok);
  EXPECT_EQ(subgid->fix, "add the line 'alice:165536:65536' to /etc/subgid");
  EXPECT_TRUE(find(checks, "subuid")->ok);
}

TEST(HostCheck, SmallRangeIsReported) {
  UsernsFacts facts = healthy();
  facts.subuids.ranges = {{100000, 1000}};
  auto checks = judge_userns_facts(facts);
  const HostCheck* subuid = find(checks, "subuid");
  ASSERT_TRUE(subuid);
  EXPECT_FALSE(subuid->ok);
  EXPECT_NE(subuid->detail.find("1000 ids"), std::string::npos) << subuid->detail;
}

TEST(HostCheck, HelperWithoutSetuidOrCapsNamesUidmap) {
  UsernsFacts facts = healthy();
  facts.newuidmap.setuid_root = false;
  facts.newgidmap.path.clear();
  auto checks = judge_userns_facts(facts);
  EXPECT_FALSE(find(checks, "newuidmap")->ok);
  EXPECT_NE(find(checks, "newuidmap")->fix.find("uidmap"), std::string::npos);
  EXPECT_EQ(find(checks, "newgidmap")->fix, "sudo apt-get install uidmap");
}

TEST(HostCheck, DisabledUsernsNamesTheSysctl) {
  UsernsFacts facts = healthy();
  facts.sysctls.unprivileged_userns_clone = 0;
  facts.probe = {false, "unshare(CLONE_NEWUSER|CLONE_NEWNS)", EPERM};
  auto checks = judge_userns_facts(facts);
  EXPECT_FALSE(find(checks, "kernel.unprivileged_userns_clone")->ok);
  const HostCheck* probe = find(checks, "user namespace");
  ASSERT_TRUE(probe);
  EXPECT_FALSE(probe->ok);
  EXPECT_NE(probe->fix.find("kernel.unprivileged_userns_clone=1"), std::string::npos);
}

TEST(HostCheck, AppArmorRestrictionIsFineWhenTheProbeWorks) {
  UsernsFacts facts = healthy();
  facts.sysctls.apparmor_restrict = 1;
  auto allowed = judge_userns_facts(facts);
  EXPECT_TRUE(find(allowed, "kernel.apparmor_restrict_unprivileged_userns")->ok);
  facts.probe = {false, "mount(tmpfs) in the namespace", EPERM};
  auto checks = judge_userns_facts(facts);
  EXPECT_FALSE(find(checks, "kernel.apparmor_restrict_unprivileged_userns")->ok);
  EXPECT_NE(find(checks, "user namespace")->fix.find("AppArmor"), std::string::npos);
}

TEST(UsernsHint, NamesTheRightSetting) {
  UsernsSysctls off;
  off.max_user_namespaces = 0;
  EXPECT_NE(userns_hint_for(ENOSPC, off).find("user.max_user_namespaces"), std::string::npos);
  UsernsSysctls full;
  full.max_user_namespaces = 10;
  EXPECT_NE(userns_hint_for(ENOSPC, full).find("limit"), std::string::npos);
  EXPECT_NE(userns_hint_for(EPERM, full).find("seccomp"), std::string::npos);
  EXPECT_EQ(userns_hint_for(ENOMEM, full), "");
}

}  // namespace
}  // namespace sbx::userns
