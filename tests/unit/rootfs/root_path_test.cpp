// Paths resolved inside a root: hostile links (absolute, climbing, a linked
// parent, loops) never leave it. Plain files in a temp dir, no namespaces.
#include "sandbox/rootfs/root_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "sandbox/base/files.hpp"

namespace sbx::rootfs {
namespace {

namespace fs = std::filesystem;

TEST(CleanRootPath, StaysAtTheRoot) {
  EXPECT_EQ(clean_root_path("/"), "");
  EXPECT_EQ(clean_root_path("/a/./b//c/"), "a/b/c");
  EXPECT_EQ(clean_root_path("/a/../../b"), "b");
  EXPECT_EQ(clean_root_path("../../.."), "");
  EXPECT_EQ(clean_root_path("a/.."), "");
}

class RootPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.emplace(std::move(*TempDir::create()));
    root_ = dir_->path() / "root";
    outside_ = dir_->path() / "outside";
    fs::create_directories(root_ / "etc");
    fs::create_directories(outside_);
    std::ofstream(outside_ / "secret") << "host";
    std::ofstream(root_ / "etc" / "secret") << "container";
    fs::create_symlink(outside_ / "secret", root_ / "abs");
    fs::create_symlink("../../../../../../.." + (outside_ / "secret").native(), root_ / "etc/rel");
    fs::create_symlink(outside_, root_ / "linkdir");
    fs::create_symlink("loop", root_ / "loop");
    fd_ = std::move(*open_file(root_, O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  std::optional<TempDir> dir_;
  fs::path root_, outside_;
  UniqueFd fd_;
};

TEST_F(RootPathTest, AbsoluteAndClimbingLinksResolveInTheRoot) {
  for (const char* link : {"/abs", "/etc/rel"}) {
    auto entry = resolve_in_root(fd_.get(), link, true);
    // The target's directory is the root's own (missing): an error, never
    // the host's file.
    ASSERT_FALSE(entry) << link;
    EXPECT_EQ(entry.error().errno_value(), ENOENT) << link;
  }
  fs::create_directories(root_ / outside_.relative_path());
  std::ofstream(root_ / outside_.relative_path() / "secret") << "inside";
  auto entry = resolve_in_root(fd_.get(), "/etc/rel", true);
  ASSERT_TRUE(entry) << entry.error().message();
  EXPECT_EQ(entry->path, (outside_.relative_path() / "secret").native());
  ASSERT_TRUE(entry->st);
  EXPECT_EQ(entry->st->st_size, 6);  // "inside", not "host"
}

TEST_F(RootPathTest, LinkedParentAndLinksAsTheLastName) {
  EXPECT_FALSE(resolve_in_root(fd_.get(), "/linkdir/secret", false));
  auto link = resolve_in_root(fd_.get(), "/abs", false);
  ASSERT_TRUE(link);
  ASSERT_TRUE(link->st);
  EXPECT_TRUE(S_ISLNK(link->st->st_mode));
  EXPECT_EQ(link->base, "abs");
  auto loop = resolve_in_root(fd_.get(), "/loop", true);
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().errno_value(), ELOOP);
  auto root = resolve_in_root(fd_.get(), "/..", true);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->path, "");
  EXPECT_EQ(root->base, ".");
}

TEST_F(RootPathTest, OpenDirInRootNeverLeaves) {
  EXPECT_FALSE(open_dir_in_root(fd_.get(), "/linkdir"));  // points at a dir missing in the root
  auto etc = open_dir_in_root(fd_.get(), "/../etc");
  ASSERT_TRUE(etc);
  struct stat st;
  ASSERT_EQ(::fstatat(etc->get(), "secret", &st, 0), 0);
  EXPECT_EQ(st.st_size, 9);  // "container"
}

}  // namespace
}  // namespace sbx::rootfs
