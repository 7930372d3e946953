// measure_tree and first_difference: what `system check` compares a layer by.
#include "sandbox/rootfs/tree.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <optional>

#include "sandbox/base/files.hpp"

namespace sbx::rootfs {
namespace {

namespace fs = std::filesystem;

class TreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create({}, "tree-test-");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    a_ = dir_->path() / "a";
    b_ = dir_->path() / "b";
    for (const fs::path& root : {a_, b_}) make(root);
  }

  // The same small tree in each root: a dir, two files (one hard-linked), a symlink.
  static void make(const fs::path& root) {
    fs::create_directories(root / "etc");
    write(root / "etc/passwd", "root:x:0:0\n");
    write(root / "data", "0123456789");
    fs::create_hard_link(root / "data", root / "data-link");
    fs::create_symlink("etc/passwd", root / "link");
    set_time(root / "etc/passwd");
    set_time(root / "data");
  }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  static void set_time(const fs::path& path) {
    timeval times[2] = {{1000, 0}, {1000, 0}};
    ::lutimes(path.c_str(), times);
  }

  std::optional<std::string> difference() {
    auto d = first_difference(a_, b_);
    EXPECT_TRUE(d) << d.error().message();
    return d ? *d : std::optional<std::string>("error");
  }

  std::optional<TempDir> dir_;
  fs::path a_, b_;
};

TEST_F(TreeTest, MeasuresNamesAndBytesOnce) {
  auto stats = measure_tree(a_);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 5u);            // etc, etc/passwd, data, data-link, link
  EXPECT_EQ(stats->file_bytes, 11u + 10u);  // the hard link is counted once
}

TEST_F(TreeTest, EqualTreesHaveNoDifference) { EXPECT_EQ(difference(), std::nullopt); }

TEST_F(TreeTest, NamesAMissingAndAnExtraFile) {
  fs::remove(a_ / "etc/passwd");
  EXPECT_EQ(difference(), "etc/passwd is missing");
  write(a_ / "etc/passwd", "root:x:0:0\n");
  set_time(a_ / "etc/passwd");
  write(a_ / "extra", "");
  EXPECT_EQ(difference(), "extra should not be there");
}

TEST_F(TreeTest, NamesOtherSizeModeLinkAndContents) {
  write(a_ / "data", "012345678");
  EXPECT_EQ(difference(), "data has 9 bytes instead of 10");
  write(a_ / "data", "0123456789");
  set_time(a_ / "data");
  ::chmod((a_ / "data").c_str(), 0600);
  ::chmod((b_ / "data").c_str(), 0644);
  EXPECT_EQ(difference(), "data has another mode");
  ::chmod((a_ / "data").c_str(), 0644);
  fs::remove(a_ / "link");
  fs::create_symlink("etc/group", a_ / "link");
  EXPECT_EQ(difference(), "link points elsewhere");
  fs::remove(a_ / "link");
  fs::create_symlink("etc/passwd", a_ / "link");
  write(a_ / "data", "0123456780");
  set_time(a_ / "data");
  EXPECT_EQ(difference(), "data has other contents");
}

}  // namespace
}  // namespace sbx::rootfs
