#include "sandbox/launch/users.hpp"

#include <gtest/gtest.h>

namespace sbx::launch {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1::/usr/sbin:/bin/false\n"
    "broken line\n"
    "bad:x:notanumber:1::/:/bin/sh\n"
    "app:x:1000:1000:App:/home/app:/bin/sh\n"
    "nobody:x:65534:65534::/nonexistent:/bin/false\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "audio:x:29:app\n"
    "app:x:1000:\n"
    "nogroup:x:65534:\n"
    "junk\n";

TEST(ParsePasswd, SkipsMalformedLines) {
  auto entries = parse_passwd(kPasswd);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[2].name, "app");
  EXPECT_EQ(entries[2].uid, 1000u);
  EXPECT_EQ(entries[2].home, "/home/app");
}

TEST(ParseGroup, Members) {
  auto groups = parse_group(kGroup);
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[1].members, (std::vector<std::string>{"root", "app"}));
}

TEST(ResolveUser, NamesIdsAndSupplementaryGroups) {
  EXPECT_EQ(*resolve_user("", kPasswd, kGroup), (ResolvedUser{0, 0, {10}, "/root"}));
  EXPECT_EQ(*resolve_user("app", kPasswd, kGroup),
            (ResolvedUser{1000, 1000, {10, 29}, "/home/app"}));
  EXPECT_EQ(*resolve_user("1000", kPasswd, kGroup),
            (ResolvedUser{1000, 1000, {10, 29}, "/home/app"}));
  EXPECT_EQ(*resolve_user("app:audio", kPasswd, kGroup),
            (ResolvedUser{1000, 29, {10, 29}, "/home/app"}));
  EXPECT_EQ(*resolve_user("nobody:123", kPasswd, kGroup),
            (ResolvedUser{65534, 123, {}, "/nonexistent"}));
  // A numeric uid not in passwd runs as is, with gid 0 and home /.
  EXPECT_EQ(*resolve_user("4242", kPasswd, kGroup), (ResolvedUser{4242, 0, {}, "/"}));
  EXPECT_EQ(*resolve_user("4242:4243", "", ""), (ResolvedUser{4242, 4243, {}, "/"}));
}

TEST(ResolveUser, UnknownNamesAreErrors) {
  auto user = resolve_user("ghost", kPasswd, kGroup);
  ASSERT_FALSE(user);
  EXPECT_NE(user.error().message().find("ghost"), std::string::npos);
  EXPECT_FALSE(resolve_user("app:ghosts", kPasswd, kGroup));
  EXPECT_FALSE(resolve_user("app:", kPasswd, kGroup));
  EXPECT_FALSE(resolve_user("root", "", ""));
}

}  // namespace
}  // namespace sbx::launch
