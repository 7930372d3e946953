#include <gtest/gtest.h>

#include "layer_builder.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/unpack.hpp"

namespace sbx::rootfs::testing {
namespace {

userns::IdMaps standard_maps() {
  userns::IdMaps maps;
  maps.uids = {{0, 1000, 1}, {1, 100000, 65535}};
  maps.gids = {{0, 1000, 1}, {1, 100000, 65535}};
  return maps;
}

class IdScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::create({}, "sbx-idscan-test-");
    ASSERT_TRUE(temp);
    temp_.emplace(std::move(*temp));
  }
  std::filesystem::path write(const LayerBuilder& layer) {
    return layer.write(temp_->path() / "layer.tar.gz", Compression::kGzip);
  }
  std::optional<TempDir> temp_;
};

TEST_F(IdScanTest, NamesTheFileAndTheUnmappableUid) {
  LayerBuilder layer;
  layer.file("etc/passwd", "root").file("usr/bin/x", "x").owner(200000, 0);
  auto scan = scan_layer_ids(write(layer), standard_maps(), "sha256:abc");
  ASSERT_FALSE(scan);
  EXPECT_EQ(
      scan.error().message(),
      "layer sha256:abc: usr/bin/x is owned by uid 200000, but only uids 0-65535 can be mapped");
  EXPECT_NE(scan.error().hint().find("/etc/subuid"), std::string::npos);
}

TEST_F(IdScanTest, NamesTheUnmappableGid) {
  LayerBuilder layer;
  layer.file("srv/data", "x").owner(0, 70000);
  auto scan = scan_layer_ids(write(layer), standard_maps(), "sha256:abc");
  ASSERT_FALSE(scan);
  EXPECT_NE(scan.error().message().find("srv/data is owned by gid 70000"), std::string::npos)
      << scan.error().message();
}

TEST_F(IdScanTest, SingleIdMapsOnlyAllowRoot) {
  userns::IdMaps maps;
  maps.uids = {{0, 1000, 1}};
  maps.gids = {{0, 1000, 1}};
  LayerBuilder layer;
  layer.file("home/user/file", "x").owner(1000, 1000);
  auto scan = scan_layer_ids(write(layer), maps);
  ASSERT_FALSE(scan);
  EXPECT_NE(scan.error().message().find("but only uids 0 can be mapped"), std::string::npos)
      << scan.error().message();
}

TEST_F(IdScanTest, CountsEntriesIdsAndBytes) {
  LayerBuilder layer;
  layer.file("a", "12345").owner(1000, 1000).file("b", "678").owner(65534, 65534).dir("d");
  auto scan = scan_layer_ids(write(layer), standard_maps());
  ASSERT_TRUE(scan) << scan.error().message();
  EXPECT_EQ(scan->entries, 3u);
  EXPECT_EQ(scan->content_bytes, 8u);
  EXPECT_EQ(scan->max_uid, 65534u);
  EXPECT_EQ(scan->max_gid, 65534u);
}

TEST_F(IdScanTest, FailsOnATruncatedLayer) {
  LayerBuilder layer;
  std::string big(200000, 'x');
  for (int i = 0; i < 10; ++i) big[static_cast<size_t>(i * 1000)] = static_cast<char>('a' + i);
  layer.file("big", big);
  auto blob = write(layer);
  std::filesystem::resize_file(blob, std::filesystem::file_size(blob) - 20);
  EXPECT_FALSE(scan_layer_ids(blob, standard_maps()));
}

}  // namespace
}  // namespace sbx::rootfs::testing
