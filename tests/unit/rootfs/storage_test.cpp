#include <gtest/gtest.h>
#include <sys/utsname.h>

#include "sandbox/base/process.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "unpack_fixture.hpp"

namespace sbx::rootfs::testing {
namespace {

RootfsLayout layout_with(std::vector<fs::path> lowers) {
  return RootfsLayout{std::move(lowers), "/s/containers/c1/upper", "/s/containers/c1/work",
                      "/s/containers/c1/merged"};
}

TEST(StorageDriverNames, RoundTrip) {
  for (auto driver : {StorageDriver::kOverlay, StorageDriver::kFuseOverlayfs, StorageDriver::kVfs})
    EXPECT_EQ(parse_storage_driver(to_string(driver)), driver);
  auto bad = parse_storage_driver("aufs");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("'aufs'"), std::string::npos);
}

TEST(PrepareOverlayMount, BuildsTheOptionString) {
  auto prepared = prepare_overlay_mount(layout_with({"/s/layers/b/diff", "/s/layers/a/diff"}));
  ASSERT_TRUE(prepared) << prepared.error().message();
  EXPECT_EQ(prepared->options,
            "lowerdir=/s/layers/b/diff:/s/layers/a/diff,upperdir=/s/containers/c1/upper,"
            "workdir=/s/containers/c1/work,userxattr");
  EXPECT_EQ(prepared->fstype, "overlay");
  EXPECT_EQ(prepared->target, "/s/containers/c1/merged");
  EXPECT_TRUE(prepared->chdir_to.empty());
}

TEST(PrepareOverlayMount, GoesRelativeBeyondOnePage) {
  std::vector<fs::path> lowers;
  std::string root = "/home/a-rather-long-user-name/.local/share/sandbox/layers/";
  for (int i = 0; i < 50; ++i) lowers.push_back(root + std::string(64, 'a' + i % 26) + "/diff");
  auto prepared = prepare_overlay_mount(layout_with(lowers));
  ASSERT_TRUE(prepared) << prepared.error().message();
  EXPECT_LE(prepared->options.size(), kMountOptionsMax);
  EXPECT_EQ(prepared->chdir_to, root.substr(0, root.size() - 1));
  EXPECT_TRUE(prepared->options.starts_with("lowerdir=" + std::string(64, 'a') + "/diff:"))
      << prepared->options.substr(0, 100);
}

TEST_F(UnpackTest, PrepareOverlayMountUsesShortLinksForManyLayers) {
  std::vector<fs::path> lowers;
  for (int i = 0; i < 120; ++i) {
    lowers.push_back(base_ / "layers" / (std::string(64, 'a' + i % 26) + std::to_string(i)) /
                     "diff");
    fs::create_directories(lowers.back());
  }
  auto dir = base_ / "containers" / std::string(64, 'c');
  auto layout = make_container_layout(dir, dir / "merged", lowers);
  ASSERT_TRUE(layout);
  auto prepared = prepare_overlay_mount(*layout);
  ASSERT_TRUE(prepared) << prepared.error().message();
  EXPECT_LE(prepared->options.size(), kMountOptionsMax);
  EXPECT_TRUE(prepared->options.starts_with("lowerdir=l/0:l/1:"))
      << prepared->options.substr(0, 40);
  fs::path container_dir = prepared->chdir_to;
  EXPECT_EQ(fs::read_symlink(container_dir / "l/119"), lowers[119]);
}

TEST(PrepareOverlayMount, RefusesTooManyLayersForOnePage) {
  std::vector<fs::path> lowers;
  for (int i = 0; i < 501; ++i)
    lowers.push_back("/s/layers/" + std::string(64, 'a' + i % 26) + std::to_string(i) + "/diff");
  auto prepared = prepare_overlay_mount(layout_with(lowers));
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().errno_value(), E2BIG);
}

TEST(PrepareOverlayMount, RefusesPathsTheOptionParserWouldSplit) {
  for (const char* bad : {"/s/la,yers/a", "/s/la:yers/a", "/s/la\\yers/a"}) {
    auto prepared = prepare_overlay_mount(layout_with({bad}));
    ASSERT_FALSE(prepared) << bad;
    EXPECT_NE(prepared.error().message().find(bad), std::string::npos);
  }
  EXPECT_FALSE(prepare_overlay_mount(layout_with({})));
}

TEST(PrepareFuseOverlayMount, PassesTheDirsToTheHelper) {
  if (!find_program("fuse-overlayfs")) GTEST_SKIP() << "fuse-overlayfs not installed";
  auto prepared = prepare_fuse_overlay_mount(layout_with({"/s/l/b", "/s/l/a"}));
  ASSERT_TRUE(prepared) << prepared.error().message();
  using namespace std::string_view_literals;
  auto expected_tail =
      "-o\0lowerdir=/s/l/b:/s/l/a,upperdir=/s/containers/c1/upper,workdir=/s/containers/c1/work\0"
      "/s/containers/c1/merged\0"sv;
  EXPECT_TRUE(prepared->helper_argv.ends_with(expected_tail)) << prepared->helper_argv;
}

TEST_F(UnpackTest, MakeContainerLayoutCreatesTheDirs) {
  auto layout = make_container_layout(base_ / "c1", base_ / "run" / "merged", {});
  ASSERT_TRUE(layout) << layout.error().message();
  for (const fs::path& dir : {layout->upper, layout->work, layout->merged})
    EXPECT_TRUE(fs::is_directory(dir)) << dir;
  ASSERT_EQ(layout->lower_dirs.size(), 1u) << "overlay needs a lower dir even for no layers";
  EXPECT_TRUE(fs::is_directory(layout->lower_dirs[0]));
}

// Two RUN steps that change nothing commit the same empty layer twice: overlay
// refuses a lowerdir given twice (ELOOP), so only the topmost copy stays.
TEST_F(UnpackTest, MakeContainerLayoutKeepsARepeatedLayerOnce) {
  auto layout = make_container_layout(base_ / "c1", base_ / "run" / "merged",
                                      {"/s/l/empty", "/s/l/b", "/s/l/empty", "/s/l/a"});
  ASSERT_TRUE(layout) << layout.error().message();
  EXPECT_EQ(layout->lower_dirs, (std::vector<fs::path>{"/s/l/empty", "/s/l/b", "/s/l/a"}));
}

TEST_F(UnpackTest, VfsCopyAppliesWhiteoutsOpaqueDirsAndKeepsHardlinks) {
  fs::path lower = base_ / "lower";
  fs::path upper = base_ / "upper";
  fs::path out = base_ / "out";
  for (const fs::path& dir : {lower, upper, out}) fs::create_directory(dir);
  auto unpack_into = [&](const LayerBuilder& layer, const fs::path& dir) {
    fs::path blob = layer.write(base_ / ("layer-" + dir.filename().native()));
    UnpackOptions options{.ignore_ownership = true};
    auto status = unpack_layer(blob, dir, options, warnings_);
    ASSERT_TRUE(status) << status.error().message();
  };
  unpack_into(LayerBuilder()
                  .file("etc/shadow", "s")
                  .file("etc/keep", "k")
                  .file("cache/old", "o")
                  .symlink("bin", "usr/bin")
                  .file("bin2/su", "x", 04755),
              lower);
  unpack_into(LayerBuilder()
                  .file("etc/.wh.shadow")
                  .dir("cache")
                  .file("cache/.wh..wh..opq")
                  .file("cache/new", "n")
                  .hardlink("cache/new-link", "cache/new"),
              upper);
  auto status = copy_layers_vfs({upper, lower}, out);
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_FALSE(fs::exists(fs::symlink_status(out / "etc/shadow")));
  EXPECT_EQ(read(out / "etc/keep"), "k");
  EXPECT_FALSE(fs::exists(out / "cache/old"));
  EXPECT_EQ(read(out / "cache/new"), "n");
  EXPECT_EQ(lstat_of(out / "cache/new").st_ino, lstat_of(out / "cache/new-link").st_ino);
  EXPECT_EQ(fs::read_symlink(out / "bin"), "usr/bin");
  EXPECT_EQ(lstat_of(out / "bin2/su").st_mode & 07777, 04755u);
}

TEST_F(UnpackTest, ProbeStorageReadsTheRememberedAnswer) {
  struct utsname name {};
  ::uname(&name);
  std::ofstream(base_ / "storage-driver")
      << "kernel=" << name.release
      << "\nbest=vfs\nfs_type=nfs\nnetwork_fs=1\noverlay_ok=0\noverlay_reason=on nfs\n"
         "fuse_ok=0\nfuse_reason=no fuse\n";
  auto probe = probe_storage(base_);
  ASSERT_TRUE(probe) << probe.error().message();
  EXPECT_TRUE(probe->remembered);
  EXPECT_EQ(probe->best, StorageDriver::kVfs);
  EXPECT_TRUE(probe->network_fs);
  EXPECT_EQ(probe->overlay_reason, "on nfs");
  auto overlay = check_storage_driver(*probe, StorageDriver::kOverlay);
  ASSERT_FALSE(overlay);
  EXPECT_NE(overlay.error().message().find("on nfs"), std::string::npos);
  EXPECT_EQ(overlay.error().hint(), "use --storage-driver vfs");
  EXPECT_TRUE(check_storage_driver(*probe, StorageDriver::kVfs));
}

}  // namespace
}  // namespace sbx::rootfs::testing
