#include "sandbox/security/rlimits.hpp"

#include <gtest/gtest.h>

#include "fork_child.hpp"

namespace sbx::security {
namespace {

using testing::run_in_child;

TEST(ParseUlimit, SoftAndHard) {
  auto limit = parse_ulimit("nofile=1024:2048");
  ASSERT_TRUE(limit) << limit.error().message();
  EXPECT_EQ(limit->resource, RLIMIT_NOFILE);
  EXPECT_EQ(limit->soft, 1024u);
  EXPECT_EQ(limit->hard, 2048u);
}

TEST(ParseUlimit, SoftOnlyMeansBoth) {
  auto limit = parse_ulimit("nproc=512");
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->resource, RLIMIT_NPROC);
  EXPECT_EQ(limit->soft, 512u);
  EXPECT_EQ(limit->hard, 512u);
}

TEST(ParseUlimit, Unlimited) {
  auto core = parse_ulimit("core=-1");
  ASSERT_TRUE(core);
  EXPECT_EQ(core->soft, RLIM_INFINITY);
  EXPECT_EQ(core->hard, RLIM_INFINITY);
  auto stack = parse_ulimit("stack=8388608:unlimited");
  ASSERT_TRUE(stack);
  EXPECT_EQ(stack->resource, RLIMIT_STACK);
  EXPECT_EQ(stack->soft, 8388608u);
  EXPECT_EQ(stack->hard, RLIM_INFINITY);
}

TEST(ParseUlimit, AllDockerNames) {
  for (const char* name : {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                           "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}) {
    auto limit = parse_ulimit(std::string(name) + "=1");
    ASSERT_TRUE(limit) << name;
    EXPECT_EQ(rlimit_name(limit->resource), name);
  }
}

TEST(ParseUlimit, Errors) {
  for (const char* bad : {"nofile", "bogus=1", "nofile=abc", "nofile=10:5",
                          "nofile=", "nofile=1:", "nofile=-2", "nofile=1:2:3"}) {
    auto limit = parse_ulimit(bad);
    ASSERT_FALSE(limit) << bad;
    EXPECT_NE(limit.error().message().find("--ulimit"), std::string::npos);
  }
}

TEST(CheckRlimit, HardAboveCurrentIsRefused) {
  rlimit current{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &current), 0);
  // nofile can never be unlimited, for root neither.
  auto refused = check_rlimit_allowed({RLIMIT_NOFILE, 64, RLIM_INFINITY});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("nofile"), std::string::npos);
  EXPECT_FALSE(refused.error().hint().empty());
  EXPECT_TRUE(check_rlimit_allowed({RLIMIT_NOFILE, 64, current.rlim_max}));
}

TEST(ApplyRlimits, SetsLimitsInChild) {
  const Rlimit limits[] = {{RLIMIT_NOFILE, 64, 128}, {RLIMIT_CORE, 0, 0}};
  auto result = run_in_child([&](int) {
    if (apply_rlimits(limits) != 0) return 1;
    rlimit nofile{}, core{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_CORE, &core);
    return nofile.rlim_cur == 64 && nofile.rlim_max == 128 && core.rlim_max == 0 ? 0 : 2;
  });
  EXPECT_EQ(result.exit_code, 0);
}

TEST(ApplyRlimits, ReportsErrno) {
  // Soft above hard is refused by the kernel.
  const Rlimit bad[] = {{RLIMIT_NOFILE, 128, 64}};
  auto result = run_in_child([&](int) { return apply_rlimits(bad) == EINVAL ? 0 : 1; });
  EXPECT_EQ(result.exit_code, 0);
}

}  // namespace
}  // namespace sbx::security
