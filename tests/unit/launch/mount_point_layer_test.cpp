// The per-image layer of mount points: only what every layer lacks, never
// anything that could hide or change what the image shows.
#include "sandbox/launch/mount_point_layer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "sandbox/base/files.hpp"

namespace sbx::launch {
namespace {

namespace fs = std::filesystem;

class MountPointLayerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir::create().value().release(); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path layer(const std::string& name) {
    fs::create_directories(dir_ / name);
    return dir_ / name;
  }
  static void touch(const fs::path& path) { std::ofstream(path).put('x'); }
  static std::vector<std::string> paths(const std::vector<MountPointEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.path);
    return out;
  }
  fs::path dir_;
};

using Paths = std::vector<std::string>;

mode_t current_umask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

TEST_F(MountPointLayerTest, AnEmptyImageGetsEveryMountPoint) {
  auto missing = missing_mount_points({layer("l1")});
  EXPECT_EQ(paths(missing),
            (Paths{"proc", "sys", "dev", "etc", "etc/hostname", "etc/hosts", "etc/resolv.conf"}));
  EXPECT_TRUE(missing[3].directory);
  EXPECT_FALSE(missing[5].directory);
}

TEST_F(MountPointLayerTest, WhatAnyLayerHasIsLeftAlone) {
  auto top = layer("top"), bottom = layer("bottom");
  fs::create_directories(top / "etc");
  touch(top / "etc/hosts");
  fs::create_directories(bottom / "proc");
  touch(bottom / "etc-not-this");
  touch(bottom / "sys");  // a file (or a whiteout): not ours to replace
  auto missing = missing_mount_points({top, bottom});
  EXPECT_EQ(paths(missing), (Paths{"dev", "etc", "etc/hostname", "etc/resolv.conf"}));
}

TEST_F(MountPointLayerTest, TheImagesEtcKeepsItsMode) {
  auto image = layer("image");
  fs::create_directories(image / "etc");
  ASSERT_EQ(::chmod((image / "etc").c_str(), 0710), 0);
  auto made = mount_point_layer(dir_ / "cache", "abc", {image});
  ASSERT_TRUE(made && made->has_value());
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "cache/abc/etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);
}

TEST_F(MountPointLayerTest, AnEtcOfAnotherOwnerIsNotShadowed) {
  fs::path image;
  if (::getuid() == 0) {
    image = layer("image");
    fs::create_directories(image / "etc");
    ASSERT_EQ(::chown((image / "etc").c_str(), 1000, 1000), 0);
  } else {
    image = "/usr/local";  // root's, with an etc dir and none of the rest (Debian's layout)
    for (const char* p : {"proc", "sys", "dev", "etc/hosts", "etc/hostname", "etc/resolv.conf"})
      if (fs::exists(image / p)) GTEST_SKIP() << "/usr/local/" << p << " exists here";
    if (!fs::is_directory(image / "etc")) GTEST_SKIP() << "no /usr/local/etc here";
  }
  EXPECT_EQ(paths(missing_mount_points({image})), (Paths{"proc", "sys", "dev"}));
}

TEST_F(MountPointLayerTest, NothingUnderASymlinkedEtc) {
  auto top = layer("top");
  fs::create_directories(top / "usr/etc");
  fs::create_directory_symlink("usr/etc", top / "etc");
  EXPECT_EQ(paths(missing_mount_points({top})), (Paths{"proc", "sys", "dev"}));
}

TEST_F(MountPointLayerTest, AnEtcThatIsAFileInTheTopLayerHidesTheLowerDir) {
  auto top = layer("top"), bottom = layer("bottom");
  fs::create_directories(bottom / "etc");
  touch(top / "etc");
  EXPECT_EQ(paths(missing_mount_points({top, bottom})), (Paths{"proc", "sys", "dev"}));
}

TEST_F(MountPointLayerTest, TheLayerIsMadeOnceAndReused) {
  auto image = layer("image");
  for (const char* d : {"proc", "sys", "dev", "etc"}) fs::create_directories(image / d);
  touch(image / "etc/hosts");
  auto cache = dir_ / "cache";
  auto made = mount_point_layer(cache, "abc", {image});
  ASSERT_TRUE(made) << made.error().message();
  ASSERT_TRUE(made->has_value());
  EXPECT_EQ(**made, cache / "abc");
  EXPECT_TRUE(fs::is_regular_file(cache / "abc/etc/hostname"));
  EXPECT_TRUE(fs::is_regular_file(cache / "abc/etc/resolv.conf"));
  EXPECT_FALSE(fs::exists(cache / "abc/etc/hosts"));
  struct stat file;
  ASSERT_EQ(::stat((cache / "abc/etc/hostname").c_str(), &file), 0);
  EXPECT_EQ(file.st_mode & 07777, 0644u & ~current_umask());
  EXPECT_FALSE(fs::exists(cache / "abc/proc"));
  struct stat st;
  ASSERT_EQ(::stat((cache / "abc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  auto again = mount_point_layer(cache, "abc", {image});
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ(**again, cache / "abc");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(cache)) ++entries;
  EXPECT_EQ(entries, 1) << "no temp dir left behind";
}

TEST_F(MountPointLayerTest, AnImageWithEveryMountPointNeedsNoLayer) {
  auto image = layer("image");
  for (const char* d : {"proc", "sys", "dev", "etc"}) fs::create_directories(image / d);
  for (const char* f : {"etc/hostname", "etc/hosts", "etc/resolv.conf"}) touch(image / f);
  auto made = mount_point_layer(dir_ / "cache", "abc", {image});
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_FALSE(made->has_value());
  EXPECT_FALSE(fs::exists(dir_ / "cache"));
}

}  // namespace
}  // namespace sbx::launch
