#include <sys/sysmacros.h>
#include <unistd.h>

#include "unpack_fixture.hpp"

namespace sbx::rootfs::testing {
namespace {

LayerBuilder sample_layer() {
  LayerBuilder layer;
  layer.dir("etc")
      .file("etc/hosts", "127.0.0.1 localhost\n")
      .mtime(1600000000)
      .hardlink("etc/hosts.allow", "etc/hosts")
      .dir("usr/local/lib")
      .file("usr/local/lib/libnothing.so", std::string("\0\0", 2), 0755)
      .symlink("usr/local/lib/libnothing.so.2", "libnothing.so")
      .symlink("abs", "/etc/hosts")
      .file("bin/su", "#!", 04755)
      .dir("tmp", 01777)
      .dir("home/derek", 0700)
      .mtime(1500000000)
      .fifo("run/fifo");
  return layer;
}

void expect_sample_layer(const fs::path& dest) {
  EXPECT_EQ(read(dest / "etc/hosts"), "127.0.0.1 localhost\n");
  struct stat hosts = lstat_of(dest / "etc/hosts");
  struct stat allow = lstat_of(dest / "etc/hosts.allow");
  EXPECT_EQ(hosts.st_ino, allow.st_ino) << "hardlink";
  EXPECT_EQ(hosts.st_mtime, 1600000000);
  EXPECT_EQ(fs::read_symlink(dest / "usr/local/lib/libnothing.so.2"), "libnothing.so");
  EXPECT_EQ(fs::read_symlink(dest / "abs"), "/etc/hosts") << "symlinks are written as they are";
  EXPECT_EQ(lstat_of(dest / "usr/local/lib/libnothing.so").st_mode & 07777, 0755u);
  EXPECT_EQ(lstat_of(dest / "bin/su").st_mode & 07777, 04755u) << "setuid kept";
  EXPECT_EQ(lstat_of(dest / "tmp").st_mode & 07777, 01777u) << "sticky kept";
  struct stat derek = lstat_of(dest / "home/derek");
  EXPECT_EQ(derek.st_mode & 07777, 0700u);
  EXPECT_EQ(derek.st_mtime, 1500000000) << "dir mtime set after its children";
  EXPECT_TRUE(S_ISFIFO(lstat_of(dest / "run/fifo").st_mode));
  EXPECT_TRUE(S_ISDIR(lstat_of(dest / "run").st_mode)) << "missing parents made";
}

TEST_F(UnpackTest, UnpacksFilesDirsLinksAndModes) {
  ASSERT_TRUE(unpack(sample_layer())) << "";
  expect_sample_layer(dest_);
  expect_victim_untouched();
}

TEST_F(UnpackTest, DetectsGzipCompression) {
  auto status = unpack(sample_layer(), WhiteoutForm::kOverlay, Compression::kGzip);
  ASSERT_TRUE(status) << status.error().message();
  expect_sample_layer(dest_);
}

TEST_F(UnpackTest, DetectsZstdCompression) {
  auto status = unpack(sample_layer(), WhiteoutForm::kOverlay, Compression::kZstd);
  ASSERT_TRUE(status) << status.error().message();
  expect_sample_layer(dest_);
}

TEST_F(UnpackTest, KeepsOwnershipWhenAllowed) {
  if (::geteuid() != 0) GTEST_SKIP() << "lchown to other ids needs root (or a user namespace)";
  LayerBuilder layer;
  layer.file("owned", "x").owner(1000, 65534).dir("d").owner(65534, 1000);
  ASSERT_TRUE(unpack(layer));
  EXPECT_EQ(lstat_of(dest_ / "owned").st_uid, 1000u);
  EXPECT_EQ(lstat_of(dest_ / "owned").st_gid, 65534u);
  EXPECT_EQ(lstat_of(dest_ / "d").st_uid, 65534u);
}

TEST_F(UnpackTest, SetsUserXattrsAndRefusesOverlayOnes) {
  LayerBuilder layer;
  layer.file("f", "x").xattr("user.note", "kept").xattr("user.overlay.opaque", "y");
  layer.dir("d").xattr("trusted.overlay.redirect", "/etc");
  ASSERT_TRUE(unpack(layer));
  EXPECT_EQ(xattr_of(dest_ / "f", "user.note"), "kept");
  EXPECT_EQ(xattr_of(dest_ / "f", "user.overlay.opaque"), "")
      << "a layer cannot forge overlay state";
  EXPECT_EQ(xattr_of(dest_ / "d", "trusted.overlay.redirect"), "");
  EXPECT_EQ(warnings_.size(), 2u) << ::testing::PrintToString(warnings_);
}

TEST_F(UnpackTest, TranslatesWhiteoutsIntoOverlayForm) {
  LayerBuilder layer;
  layer.dir("etc")
      .file("etc/.wh.shadow")
      .dir("var/cache")
      .file("var/cache/.wh..wh..opq")
      .file("var/cache/new", "n")
      .file(".wh.gone");
  ASSERT_TRUE(unpack(layer));
  for (const char* name : {"etc/shadow", "gone"}) {
    struct stat st = lstat_of(dest_ / name);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << name;
    EXPECT_EQ(st.st_rdev, makedev(0, 0)) << name;
  }
  EXPECT_FALSE(fs::exists(dest_ / "etc/.wh.shadow"));
  EXPECT_EQ(xattr_of(dest_ / "var/cache", "user.overlay.opaque"), "y");
  EXPECT_FALSE(fs::exists(dest_ / "var/cache/.wh..wh..opq"));
  EXPECT_EQ(read(dest_ / "var/cache/new"), "n");
}

TEST_F(UnpackTest, WhiteoutsBelowAFileOfTheSameLayerAreMoot) {
  // umoci writes a dir that became a file as the file plus whiteouts of its
  // old children.
  LayerBuilder layer;
  layer.file("data/dir-to-file", "now a file")
      .file("data/dir-to-file/.wh.x.txt")
      .file("data/dir-to-file/.wh..wh..opq");
  for (auto form : {WhiteoutForm::kOverlay, WhiteoutForm::kApply}) {
    auto status = unpack(layer, form);
    ASSERT_TRUE(status) << status.error().message();
    EXPECT_EQ(read(dest_ / "data/dir-to-file"), "now a file");
  }
}

TEST_F(UnpackTest, AppliesWhiteoutsInFlattenedForm) {
  LayerBuilder lower;
  lower.file("etc/shadow", "s")
      .file("etc/keep", "k")
      .file("var/cache/old", "o")
      .file("var/cache/sub/older", "o")
      .file("gone/deep/file", "g");
  ASSERT_TRUE(unpack(lower, WhiteoutForm::kApply));
  LayerBuilder upper;
  upper.dir("var/cache")
      .file("var/cache/new", "n")
      .file("var/cache/.wh..wh..opq")
      .file("etc/.wh.shadow")
      .file(".wh.gone")
      .file(".wh.never-existed");
  auto status = unpack(upper, WhiteoutForm::kApply);
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_FALSE(fs::exists(dest_ / "etc/shadow"));
  EXPECT_EQ(read(dest_ / "etc/keep"), "k");
  EXPECT_FALSE(fs::exists(dest_ / "gone"));
  EXPECT_FALSE(fs::exists(dest_ / "var/cache/old"));
  EXPECT_FALSE(fs::exists(dest_ / "var/cache/sub"));
  EXPECT_EQ(read(dest_ / "var/cache/new"), "n")
      << "the layer's own files survive its opaque marker";
  EXPECT_FALSE(fs::exists(dest_ / "var/cache/.wh..wh..opq"));
}

TEST_F(UnpackTest, ReplacesEntriesOfEarlierLayersInFlattenedForm) {
  LayerBuilder lower;
  lower.file("x/inner", "i").file("y", "file");
  ASSERT_TRUE(unpack(lower, WhiteoutForm::kApply));
  LayerBuilder upper;
  upper.file("x", "now a file").dir("y");
  auto status = unpack(upper, WhiteoutForm::kApply);
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(read(dest_ / "x"), "now a file");
  EXPECT_TRUE(fs::is_directory(dest_ / "y"));
}

TEST_F(UnpackTest, CreatesDeviceNodesOrSkipsThemWithAWarning) {
  LayerBuilder layer;
  layer.chardev("dev/null", 1, 3);
  ASSERT_TRUE(unpack(layer));
  if (fs::exists(fs::symlink_status(dest_ / "dev/null"))) {
    EXPECT_EQ(lstat_of(dest_ / "dev/null").st_rdev, makedev(1, 3));
  } else {
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_NE(warnings_[0].find("dev/null"), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[0].find("1:3"), std::string::npos) << warnings_[0];
  }
}

TEST_F(UnpackTest, HardlinkToSymlinkLinksTheSymlinkItself) {
  LayerBuilder layer;
  layer.symlink("symlink1", "regfile").hardlink("symlink2", "symlink1").file("regfile", "r");
  ASSERT_TRUE(unpack(layer));
  EXPECT_TRUE(fs::is_symlink(dest_ / "symlink2"));
  EXPECT_EQ(lstat_of(dest_ / "symlink2").st_ino, lstat_of(dest_ / "symlink1").st_ino);
}

TEST_F(UnpackTest, ReportsCorruptAndTruncatedArchives) {
  fs::path blob = sample_layer().write(base_ / "layer-full", Compression::kGzip);
  fs::resize_file(blob, fs::file_size(blob) / 2);
  UnpackOptions options{.layer_name = "sha256:trunc", .ignore_ownership = true};
  auto status = unpack_layer(blob, dest_, options, warnings_);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("layer sha256:trunc"), std::string::npos)
      << status.error().message();
  std::ofstream(base_ / "layer-junk") << "this is not a tar archive at all, not even close.";
  status = unpack_layer(base_ / "layer-junk", dest_, options, warnings_);
  EXPECT_FALSE(status);
}

TEST(CheckFreeSpace, NamesTheLayerAndENOSPC) {
  auto status = check_free_space("/", uint64_t{1} << 62, "sha256:big");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().errno_value(), ENOSPC);
  EXPECT_NE(status.error().message().find("layer sha256:big needs"), std::string::npos)
      << status.error().message();
  EXPECT_TRUE(check_free_space("/", 1024));
}

}  // namespace
}  // namespace sbx::rootfs::testing
