#include "sandbox/security/policy.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>

#include "fork_child.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::security {
namespace {

using testing::kChildSkip;
using testing::run_in_child;
using testing::write_text;

TEST(SecurityOpt, ParsesDockerForms) {
  SecurityOptions options;
  EXPECT_TRUE(options.no_new_privileges);
  ASSERT_TRUE(apply_security_opt(options, "no-new-privileges=false"));
  EXPECT_FALSE(options.no_new_privileges);
  ASSERT_TRUE(apply_security_opt(options, "no-new-privileges"));
  EXPECT_TRUE(options.no_new_privileges);
  ASSERT_TRUE(apply_security_opt(options, "no-new-privileges:false"));
  EXPECT_FALSE(options.no_new_privileges);
  ASSERT_TRUE(apply_security_opt(options, "seccomp=/etc/profile.json"));
  EXPECT_EQ(options.seccomp, "/etc/profile.json");
  ASSERT_TRUE(apply_security_opt(options, "seccomp:unconfined"));
  EXPECT_EQ(options.seccomp, "unconfined");
  EXPECT_TRUE(apply_security_opt(options, "apparmor=unconfined"));
  EXPECT_TRUE(apply_security_opt(options, "label=disable"));
}

TEST(SecurityOpt, RejectsWhatItCannotHonour) {
  SecurityOptions options;
  for (const char* bad : {"apparmor=docker-default", "label=type:svirt_t", "seccomp=",
                          "no-new-privileges=maybe", "systempaths=unconfined", "frobnicate"}) {
    auto status = apply_security_opt(options, bad);
    ASSERT_FALSE(status) << bad;
    EXPECT_NE(status.error().message().find("--security-opt"), std::string::npos);
  }
}

TEST(SecurityPlan, DefaultIsLockedDown) {
  auto plan = make_security_plan({});
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->capabilities, CapabilitySet::docker_default());
  ASSERT_TRUE(plan->seccomp);
  EXPECT_FALSE(plan->seccomp->filter.empty());
  EXPECT_TRUE(plan->no_new_privileges);
}

TEST(SecurityPlan, PrivilegedAndUnconfinedHaveNoFilter) {
  SecurityOptions privileged;
  privileged.privileged = true;
  auto plan = make_security_plan(privileged);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->capabilities, CapabilitySet::all());
  EXPECT_FALSE(plan->seccomp);

  SecurityOptions builtin;
  builtin.seccomp = "builtin";
  auto plan3 = make_security_plan(builtin);
  ASSERT_TRUE(plan3) << plan3.error().message();
  EXPECT_TRUE(plan3->seccomp);

  SecurityOptions unconfined;
  unconfined.seccomp = "unconfined";
  auto plan2 = make_security_plan(unconfined);
  ASSERT_TRUE(plan2);
  EXPECT_EQ(plan2->capabilities, CapabilitySet::docker_default());
  EXPECT_FALSE(plan2->seccomp);
}

TEST(SecurityPlan, UlimitsLastOneWins) {
  SecurityOptions options;
  options.seccomp = "unconfined";
  options.ulimits = {"nofile=100:200", "core=0", "nofile=50:60"};
  auto plan = make_security_plan(options);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->rlimits.size(), 2u);
  EXPECT_EQ(plan->rlimits[0].resource, RLIMIT_CORE);
  EXPECT_EQ(plan->rlimits[1], (Rlimit{RLIMIT_NOFILE, 50, 60}));
}

TEST(SecurityPlan, ErrorsFromEachPart) {
  SecurityOptions bad_cap;
  bad_cap.cap_add = {"FLY"};
  EXPECT_FALSE(make_security_plan(bad_cap));
  SecurityOptions bad_ulimit;
  bad_ulimit.ulimits = {"nofile=x"};
  EXPECT_FALSE(make_security_plan(bad_ulimit));
  SecurityOptions missing_profile;
  missing_profile.seccomp = "/nonexistent/seccomp.json";
  auto plan = make_security_plan(missing_profile);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message().find("/nonexistent/seccomp.json"), std::string::npos);
}

TEST(SecurityPlan, ReadsProfileFile) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto path = dir->path() / "profile.json";
  ASSERT_TRUE(write_file_atomic(path, R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"}]})"));
  SecurityOptions options;
  options.seccomp = path.string();
  auto plan = make_security_plan(options);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_TRUE(plan->seccomp);
  EXPECT_FALSE(plan->seccomp->filter.empty());
}

// The whole child sequence in a user namespace: afterwards the status shows
// the cut sets, no_new_privs and a seccomp filter, and unshare is refused.
TEST(SecurityPlan, AppliesInChildInOrder) {
  SecurityOptions options;
  options.cap_drop = {"NET_RAW"};
  options.ulimits = {"core=0"};
  auto plan = make_security_plan(options);
  ASSERT_TRUE(plan) << plan.error().message();
  auto result = run_in_child([&](int fd) {
    if (!testing::enter_user_namespace()) return kChildSkip;
    const char* step = nullptr;
    if (int err = apply_security_plan(*plan, &step)) {
      write_text(fd, std::string(step ? step : "?") + ": " + strerror(err));
      return 1;
    }
    auto status = read_process_status();
    if (!status) return 2;
    bool unshare_blocked = syscall(SYS_unshare, CLONE_NEWNS) < 0 && errno == EPERM;
    write_text(fd, std::to_string(status->effective.bits()) + " " +
                       std::to_string(status->bounding.bits()) + " " +
                       std::to_string(status->no_new_privs) + " " +
                       std::to_string(status->seccomp_mode) + " " +
                       std::to_string(unshare_blocked));
    return 0;
  });
  if (result.exit_code == kChildSkip) GTEST_SKIP() << "no unprivileged user namespaces";
  ASSERT_EQ(result.exit_code, 0) << result.output;
  CapabilitySet expected = CapabilitySet::docker_default();
  expected.remove(CAP_NET_RAW);
  EXPECT_EQ(result.output,
            std::to_string(expected.bits()) + " " + std::to_string(expected.bits()) + " 1 2 1");
}

}  // namespace
}  // namespace sbx::security

namespace sbx::security {
namespace {

// With no_new_privs off the filter is loaded while CAP_SYS_ADMIN is still held.
TEST(SecurityPlan, WithoutNoNewPrivsLoadsFilterBeforeCuttingCaps) {
  SecurityOptions options;
  ASSERT_TRUE(apply_security_opt(options, "no-new-privileges=false"));
  auto plan = make_security_plan(options);
  ASSERT_TRUE(plan) << plan.error().message();
  auto result = testing::run_in_child([&](int fd) {
    if (!testing::enter_user_namespace()) return testing::kChildSkip;
    const char* step = nullptr;
    if (int err = apply_security_plan(*plan, &step)) {
      testing::write_text(fd, std::string(step ? step : "?") + ": " + strerror(err));
      return 1;
    }
    auto status = read_process_status();
    if (!status) return 2;
    testing::write_text(fd, std::to_string(status->no_new_privs) + " " +
                                std::to_string(status->seccomp_mode) + " " +
                                std::to_string(status->effective.bits()));
    return 0;
  });
  if (result.exit_code == testing::kChildSkip) GTEST_SKIP() << "no user namespaces";
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "0 2 " + std::to_string(CapabilitySet::docker_default().bits()));
}

}  // namespace
}  // namespace sbx::security
