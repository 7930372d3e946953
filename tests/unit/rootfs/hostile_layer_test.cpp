// The breakout cases of containers/storage's TestUntarInvalid* and
// containerd's TestBreakouts: each ends in a clear error or lands inside the
// layer, and nothing outside the destination is read or written.
#include "unpack_fixture.hpp"

namespace sbx::rootfs::testing {
namespace {

class HostileLayerTest : public UnpackTest {
 protected:
  // Unpacks and expects an error mentioning `entry`.
  void expect_refused(const LayerBuilder& layer, const std::string& entry) {
    auto status = unpack(layer);
    ASSERT_FALSE(status) << "unpacked a hostile layer";
    const std::string& message = status.error().message();
    EXPECT_NE(message.find("layer sha256:test"), std::string::npos) << message;
    EXPECT_NE(message.find(entry), std::string::npos) << message;
    expect_victim_untouched();
  }
  // Unpacks successfully (the escape is confined) and checks the sibling.
  void expect_confined(const LayerBuilder& layer) {
    auto status = unpack(layer);
    ASSERT_TRUE(status) << status.error().message();
    expect_victim_untouched();
  }
};

TEST_F(HostileLayerTest, DotDotNames) {
  expect_refused(LayerBuilder().file("../victim/dotdot"), "../victim/dotdot");
  expect_refused(LayerBuilder().file("/../victim/slash-dotdot"), "/../victim/slash-dotdot");
  expect_refused(LayerBuilder().dir("a").file("a/../../victim/x"), "a/../../victim/x");
  expect_refused(LayerBuilder().file("../.wh.victim"), "../.wh.victim");
}

TEST_F(HostileLayerTest, AbsoluteNamesLandInsideTheLayer) {
  expect_confined(LayerBuilder().file((victim_ / "abs").native(), "a").file("/etc/x", "x"));
  EXPECT_EQ(read(dest_ / "etc/x"), "x");
  EXPECT_EQ(read(dest_ / victim_.relative_path() / "abs"), "a");
}

TEST_F(HostileLayerTest, HardlinksOutOfTheLayer) {
  expect_refused(LayerBuilder().hardlink("dotdot", "../victim/hello"), "dotdot");
  expect_refused(LayerBuilder().hardlink("slash-dotdot", "/../victim/hello"), "slash-dotdot");
  expect_refused(LayerBuilder().hardlink("loophole-victim", "../victim"), "loophole-victim");
  expect_refused(LayerBuilder().hardlink("abs", (victim_ / "hello").native()),
                 "the target is not in this layer");
  expect_refused(
      LayerBuilder().file("etc/passwd", "inside").hardlink("l", "../../../../etc/passwd"), "l");
}

TEST_F(HostileLayerTest, SymlinkThenWriteThroughIt) {
  expect_refused(
      LayerBuilder().symlink("loophole-victim", "../victim").file("loophole-victim/file"),
      "loophole-victim/file");
  expect_refused(
      LayerBuilder().symlink("dir/loophole", "../../victim").file("dir/loophole/newdir/newfile"),
      "dir/loophole/newdir/newfile");
  expect_refused(LayerBuilder().symlink("abs", victim_.native()).file("abs/file"), "abs/file");
}

TEST_F(HostileLayerTest, HardlinkThroughAnEscapingSymlink) {
  expect_refused(LayerBuilder()
                     .symlink("loophole-victim", "../victim")
                     .hardlink("hardlink", "loophole-victim/hello"),
                 "hardlink");
  expect_refused(LayerBuilder().symlink("v", victim_.native()).hardlink("hardlink", "v/hello"),
                 "hardlink");
}

TEST_F(HostileLayerTest, SymlinksToOutsideAreOnlyWritten) {
  // A symlink to outside is harmless until followed, and replacing it with a
  // file must replace the link, not the victim.
  expect_confined(LayerBuilder()
                      .symlink("loophole-victim", "../victim")
                      .symlink("symlink", "loophole-victim/hello")
                      .file("loophole-victim", "plain file now"));
  EXPECT_EQ(read(dest_ / "loophole-victim"), "plain file now");
  expect_confined(LayerBuilder().symlink("hello-link", "../victim/hello").file("hello-link", "x"));
  EXPECT_FALSE(fs::is_symlink(dest_ / "hello-link"));
}

TEST_F(HostileLayerTest, WhiteoutThroughAnEscapingSymlink) {
  // Below a symlink of the same layer a whiteout hides nothing: skipped.
  expect_confined(LayerBuilder().symlink("v", "../victim").file("v/.wh.hello"));
  expect_confined(LayerBuilder().symlink("w", "../victim").file("w/.wh..wh..opq"));
  EXPECT_TRUE(fs::is_symlink(dest_ / "v"));
  EXPECT_EQ(xattr_of(victim_, "user.overlay.opaque"), "");
  auto status =
      unpack(LayerBuilder().symlink("x", "../victim").file("x/.wh.hello"), WhiteoutForm::kApply);
  EXPECT_TRUE(status);
  expect_victim_untouched();
}

// containerd TestBreakouts: symlinks are followed as if dest were "/".
TEST_F(HostileLayerTest, SymlinkAbsoluteResolvesInRoot) {
  expect_confined(
      LayerBuilder().dir("etc").symlink("localetc", "/etc").file("/localetc/unbroken", "unbroken"));
  EXPECT_EQ(read(dest_ / "etc/unbroken"), "unbroken");
}

TEST_F(HostileLayerTest, SymlinkUpAndOutResolvesInRoot) {
  expect_confined(LayerBuilder()
                      .dir("etc")
                      .dir("dummy")
                      .symlink("localetc", "/dummy/../../../etc")
                      .file("/localetc/unbroken", "unbroken"));
  EXPECT_EQ(read(dest_ / "etc/unbroken"), "unbroken");
}

TEST_F(HostileLayerTest, SymlinkChainsResolveInRoot) {
  expect_confined(LayerBuilder()
                      .dir("etc")
                      .dir("dummy")
                      .symlink("/dummy/etc", "/etc")
                      .symlink("localetc", "./dummy/etc")
                      .file("/localetc/unbroken", "unbroken"));
  EXPECT_EQ(read(dest_ / "etc/unbroken"), "unbroken");
}

TEST_F(HostileLayerTest, SymlinkEmptyFileStaysInside) {
  expect_confined(LayerBuilder()
                      .file("etc/emptied", "notempty")
                      .symlink("localetc", "/etc")
                      .file("/localetc/emptied", ""));
  EXPECT_EQ(read(dest_ / "etc/emptied"), "");
}

TEST_F(HostileLayerTest, HardlinksThroughSymlinksResolveInRoot) {
  expect_confined(LayerBuilder()
                      .file("etc/passwd", "inside")
                      .symlink("breakouts/d1", "../../etc")
                      .hardlink("breakouts/mypasswd", "/breakouts/d1/passwd")
                      .symlink("localetc", "../../../../../../../etc")
                      .hardlink("localpasswd", "/localetc/passwd"));
  ino_t passwd = lstat_of(dest_ / "etc/passwd").st_ino;
  EXPECT_EQ(lstat_of(dest_ / "breakouts/mypasswd").st_ino, passwd);
  EXPECT_EQ(lstat_of(dest_ / "localpasswd").st_ino, passwd);
}

TEST_F(HostileLayerTest, HardlinkToAnEscapingSymlinkLinksTheSymlink) {
  expect_confined(LayerBuilder()
                      .symlink("passwdlink", "../../../../../etc/passwd")
                      .hardlink("localpasswd", "/passwdlink"));
  EXPECT_TRUE(fs::is_symlink(dest_ / "localpasswd"));
}

TEST_F(HostileLayerTest, SymlinkFromALowerLayerStaysConfinedWhenFlattened) {
  auto status =
      unpack(LayerBuilder().dir("tmp").symlink("escape", victim_.native()), WhiteoutForm::kApply);
  ASSERT_TRUE(status) << status.error().message();
  status = unpack(LayerBuilder().symlink("up", "../../../..").file("escape/hello", "evil"),
                  WhiteoutForm::kApply);
  // The victim path does not exist inside the layer: refused, never followed out.
  ASSERT_FALSE(status);
  status = unpack(LayerBuilder().file("up/tmp/sbx-file", "in"), WhiteoutForm::kApply);
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(read(dest_ / "tmp/sbx-file"), "in") << "\"..\" above the root stays at the root";
  expect_victim_untouched();
}

TEST_F(HostileLayerTest, MalformedWhiteoutsAreErrors) {
  fs::create_directory(dest_ / "sbx-keep");
  std::ofstream(dest_ / "sbx-keep/file") << "keep";
  for (auto form : {WhiteoutForm::kOverlay, WhiteoutForm::kApply}) {
    auto status = unpack(LayerBuilder().file("sbx-keep/.wh.."), form);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message().find("sbx-keep/.wh..: malformed whiteout"),
              std::string::npos)
        << status.error().message();
    status = unpack(LayerBuilder().file("sbx-keep/.wh..."), form);
    ASSERT_FALSE(status);
    EXPECT_EQ(read(dest_ / "sbx-keep/file"), "keep");
  }
  expect_victim_untouched();
  ASSERT_TRUE(unpack(LayerBuilder().file("a/.wh..wh.plnk")));
  EXPECT_EQ(warnings_.size(), 1u) << "aufs metadata is skipped";
}

TEST_F(HostileLayerTest, ZeroZeroCharDeviceIsNeverAWhiteout) {
  auto status = unpack(LayerBuilder().chardev("sbx-lower-file", 0, 0).file("sbx-device-ok", "ok"));
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_FALSE(fs::exists(fs::symlink_status(dest_ / "sbx-lower-file")));
  EXPECT_EQ(read(dest_ / "sbx-device-ok"), "ok");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("sbx-lower-file (c 0:0)"), std::string::npos) << warnings_[0];
}

TEST_F(HostileLayerTest, ReplacingTheRootIsRefused) {
  expect_refused(LayerBuilder().symlink(".", "/"), "cannot replace the layer root");
}

}  // namespace
}  // namespace sbx::rootfs::testing
