#include <gtest/gtest.h>

#include "sandbox/security/seccomp.hpp"

namespace sbx::security {
namespace {

constexpr std::string_view kSample = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}
  ],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
     "comment": "glibc falls back", "includes": {"minKernel": "5.3"}},
    {"name": "getppid", "action": "SCMP_ACT_LOG", "unknownField": true}
  ]
})";

TEST(SeccompProfile, ParsesDockerFormat) {
  auto profile = parse_seccomp_profile(kSample);
  ASSERT_TRUE(profile) << profile.error().message();
  EXPECT_EQ(profile->default_action, SeccompAction::kErrno);
  EXPECT_EQ(profile->default_errno_ret, 1);
  EXPECT_EQ(profile->flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  ASSERT_EQ(profile->arch_map.size(), 2u);
  EXPECT_EQ(profile->arch_map[0].architecture, "SCMP_ARCH_X86_64");
  EXPECT_EQ(profile->arch_map[0].sub_architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_TRUE(profile->arch_map[1].sub_architectures.empty());
  ASSERT_EQ(profile->syscalls.size(), 5u);
  EXPECT_EQ(profile->syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(profile->syscalls[1].args[0].value, 4294967295u);
  const auto& clone = profile->syscalls[2];
  ASSERT_EQ(clone.args.size(), 1u);
  EXPECT_EQ(clone.args[0].op, SeccompOp::kMaskedEqual);
  EXPECT_EQ(clone.args[0].value, 0x7E020000u);
  EXPECT_EQ(clone.excludes.caps, std::vector<std::string>{"CAP_SYS_ADMIN"});
  EXPECT_EQ(clone.excludes.arches.size(), 2u);
  EXPECT_EQ(profile->syscalls[3].errno_ret, 38);
  EXPECT_EQ(profile->syscalls[3].includes.min_kernel, "5.3");
  EXPECT_EQ(profile->syscalls[3].comment, "glibc falls back");
  // The old single "name" form.
  EXPECT_EQ(profile->syscalls[4].names, std::vector<std::string>{"getppid"});
  EXPECT_EQ(profile->syscalls[4].action, SeccompAction::kLog);
}

TEST(SeccompProfile, RoundTripsThroughJson) {
  auto sample = parse_seccomp_profile(kSample);
  ASSERT_TRUE(sample);
  auto again = parse_seccomp_profile(seccomp_profile_to_json(*sample));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *sample);
}

TEST(SeccompProfile, DefaultProfileHasDockerShape) {
  const auto& profile = default_seccomp_profile();
  EXPECT_EQ(profile.default_action, SeccompAction::kErrno);
  EXPECT_EQ(profile.default_errno_ret, 1);
  auto find_rules = [&](std::string_view name) {
    std::vector<const SeccompRule*> out;
    for (const auto& rule : profile.syscalls) {
      for (const auto& n : rule.names) {
        if (n == name) out.push_back(&rule);
      }
    }
    return out;
  };
  EXPECT_EQ(find_rules("read").size(), 1u);
  EXPECT_TRUE(find_rules("keyctl").empty());
  EXPECT_TRUE(find_rules("add_key").empty());
  EXPECT_EQ(find_rules("personality").size(), 5u);
  auto unshare = find_rules("unshare");
  ASSERT_EQ(unshare.size(), 1u);
  EXPECT_EQ(unshare[0]->includes.caps, std::vector<std::string>{"CAP_SYS_ADMIN"});
  auto socket = find_rules("socket");
  ASSERT_EQ(socket.size(), 1u);
  EXPECT_EQ(socket[0]->args[0].op, SeccompOp::kNotEqual);
  EXPECT_EQ(socket[0]->args[0].value, 40u);  // AF_VSOCK
}

TEST(SeccompProfile, DefaultProfileJsonFormParsesBack) {
  std::string json = seccomp_profile_to_json(default_seccomp_profile());
  EXPECT_NE(json.find("\"SCMP_ACT_ERRNO\""), std::string::npos);
  auto parsed = parse_seccomp_profile(json);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, default_seccomp_profile());
}

struct BadProfile {
  std::string_view json;
  std::string_view message_part;
};

TEST(SeccompProfile, RejectsBadInput) {
  const BadProfile cases[] = {
      {R"({"defaultAction": "SCMP_ACT_ERRNO",)", "not valid JSON"},
      {R"([])", "expected a JSON object"},
      {R"({"syscalls": []})", "defaultAction"},
      {R"({"defaultAction": "SCMP_ACT_EXPLODE"})", "SCMP_ACT_EXPLODE"},
      {R"({"defaultAction": 3})", "expected a string"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_FOO"}]})",
       "syscalls[0].action"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]})",
       "names"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]})",
       "SCMP_CMP_LIKE"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
       "index"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})",
       "non-negative"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
          "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
       "cannot both"},
  };
  for (const auto& c : cases) {
    auto profile = parse_seccomp_profile(c.json);
    ASSERT_FALSE(profile) << c.json;
    EXPECT_NE(profile.error().message().find(c.message_part), std::string::npos)
        << profile.error().message();
    EXPECT_EQ(profile.error().errno_value(), EINVAL);
  }
}

TEST(SeccompProfile, MissingFileNamesThePath) {
  auto profile = read_seccomp_profile("/nonexistent/profile.json");
  ASSERT_FALSE(profile);
  EXPECT_NE(profile.error().message().find("/nonexistent/profile.json"), std::string::npos);
}

}  // namespace
}  // namespace sbx::security
