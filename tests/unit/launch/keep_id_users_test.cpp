// keep-id's passwd and group lines, and --group-add's names, over fixed texts.
#include <gtest/gtest.h>

#include "sandbox/launch/users.hpp"

namespace sbx::launch {
namespace {

constexpr const char* kKeepIdPasswd =
    "root:x:0:0:root:/root:/bin/ash\n"
    "tester:x:1000:1000:tester:/home/tester:/bin/sh";  // no final newline
constexpr const char* kKeepIdGroup =
    "root:x:0:\n"
    "audio:x:29:tester\n"
    "tester:x:1000:\n";

TEST(AddKeepIdUser, AddsTheCallerWithRootsShell) {
  HostUser alice{1001, 1001, "alice", "alice", "/"};
  auto files = add_keep_id_user(kKeepIdPasswd, kKeepIdGroup, alice);
  EXPECT_TRUE(files.passwd_added);
  EXPECT_TRUE(files.group_added);
  EXPECT_EQ(files.passwd, std::string(kKeepIdPasswd) + "\nalice:*:1001:1001:alice:/:/bin/ash\n");
  EXPECT_EQ(files.group, std::string(kKeepIdGroup) + "alice:x:1001:alice\n");
  auto who = resolve_user("1001:1001", files.passwd, files.group);
  ASSERT_TRUE(who) << who.error().message();
  EXPECT_EQ(who->home, "/");
}

TEST(AddKeepIdUser, KeepsTheImagesEntries) {
  // The uid is the image's tester: nothing changes (nor for a taken name).
  auto same_uid = add_keep_id_user(kKeepIdPasswd, kKeepIdGroup, {1000, 1000, "bob", "bob", "/"});
  EXPECT_FALSE(same_uid.passwd_added);
  EXPECT_FALSE(same_uid.group_added);
  EXPECT_EQ(same_uid.passwd, kKeepIdPasswd);
  auto same_name =
      add_keep_id_user(kKeepIdPasswd, kKeepIdGroup, {2000, 2000, "tester", "tester", "/"});
  EXPECT_FALSE(same_name.passwd_added);
  // A gid the image has: only the passwd line.
  auto gid_known = add_keep_id_user(kKeepIdPasswd, kKeepIdGroup, {1001, 29, "carol", "aud", "/h"});
  EXPECT_TRUE(gid_known.passwd_added);
  EXPECT_FALSE(gid_known.group_added);
  EXPECT_TRUE(gid_known.passwd.ends_with("carol:*:1001:29:carol:/h:/bin/ash\n"));
}

TEST(AddKeepIdUser, NoShellNoPasswdFile) {
  auto files = add_keep_id_user("", "", {1001, 1001, "alice", "", "/"});
  EXPECT_EQ(files.passwd, "alice:*:1001:1001:alice:/:/bin/sh\n");
  EXPECT_FALSE(files.group_added);  // no group name known: no line
  EXPECT_FALSE(add_keep_id_user("", "", {1001, 1001, "", "", "/"}).passwd_added);
}

TEST(ResolveGroupAdd, NamesAndIds) {
  auto gids = resolve_group_add({"audio", "4242", "root"}, kKeepIdGroup);
  ASSERT_TRUE(gids) << gids.error().message();
  EXPECT_EQ(*gids, (std::vector<uint32_t>{29, 4242, 0}));
  auto missing = resolve_group_add({"video"}, kKeepIdGroup);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("unable to find group video"), std::string::npos);
}

}  // namespace
}  // namespace sbx::launch
