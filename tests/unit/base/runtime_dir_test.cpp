// The private runtime directory's name in /tmp: other users must not be able
// to know it in advance, yet every call of one user on one boot agrees.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "sandbox/base/runtime_dir.hpp"

namespace sbx {
namespace {

constexpr const char* kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr const char* kBoot = "3f1c2a9e-6d1b-4b8f-9a63-0c5de1e2f7a4";

TEST(RuntimeDirName, SameInputsSameName) {
  EXPECT_EQ(tmp_runtime_dir_name(1000, kKey, kBoot, 0), tmp_runtime_dir_name(1000, kKey, kBoot, 0));
}

TEST(RuntimeDirName, StartsWithTheUidAndEndsInHex) {
  std::string name = tmp_runtime_dir_name(1000, kKey, kBoot, 0);
  ASSERT_TRUE(name.starts_with("sandbox-run-1000-")) << name;
  std::string tail = name.substr(std::string("sandbox-run-1000-").size());
  EXPECT_EQ(tail.size(), 24u) << name;
  EXPECT_EQ(tail.find_first_not_of("0123456789abcdef"), std::string::npos) << name;
}

TEST(RuntimeDirName, ChangesWithKeyBootAndAttempt) {
  std::set<std::string> names;
  std::string other_key(kKey);
  other_key[0] = '1';
  names.insert(tmp_runtime_dir_name(1000, kKey, kBoot, 0));
  names.insert(tmp_runtime_dir_name(1000, other_key, kBoot, 0));      // another user's secret
  names.insert(tmp_runtime_dir_name(1000, kKey, "another-boot", 0));  // after a reboot
  names.insert(tmp_runtime_dir_name(1000, kKey, kBoot, 1));  // the next name when one is taken
  EXPECT_EQ(names.size(), 4u);
}

TEST(RuntimeDir, XdgRuntimeDirOfOursWins) {
  char dir[] = "/tmp/sbx-runtime-dir-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  ::setenv("XDG_RUNTIME_DIR", dir, 1);
  auto found = private_runtime_dir();
  ::unsetenv("XDG_RUNTIME_DIR");
  ::rmdir(dir);
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->native(), dir);
}

}  // namespace
}  // namespace sbx
