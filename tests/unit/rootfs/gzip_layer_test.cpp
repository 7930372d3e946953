// Gzip layers read through ISA-L (GunzipStream) with the diff id hashed in the
// same pass as the id scan: the stream must be whole and exactly the bytes
// zlib would give, or the scan fails.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>

#include "layer_builder.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::rootfs::testing {
namespace {

userns::IdMaps all_maps() {
  userns::IdMaps maps;
  maps.uids = {{0, 100000, 65536}};
  maps.gids = {{0, 100000, 65536}};
  return maps;
}

// One gzip member holding `data` (libarchive's raw format, gzip filter).
std::string gzip_member(const std::string& data) {
  std::string out(data.size() + 4096, '\0');
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
  EXPECT_EQ(archive_write_header(a, entry), ARCHIVE_OK);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(entry);
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

class GzipLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::create({}, "sbx-gzip-layer-test-");
    ASSERT_TRUE(temp);
    temp_.emplace(std::move(*temp));
    LayerBuilder layer;
    std::string big(300000, 'x');
    for (size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
    layer.file("etc/big", big).file("usr/bin/x", "x").owner(1000, 1000).dir("var");
    tar_ = read_file(layer.write(temp_->path() / "layer.tar")).value();
  }
  std::filesystem::path put(const std::string& name, const std::string& bytes) {
    std::filesystem::path path = temp_->path() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  image::Digest tar_digest() const {
    image::Sha256 hash;
    hash.update(tar_);
    return hash.finish();
  }
  std::optional<TempDir> temp_;
  std::string tar_;
};

TEST_F(GzipLayerTest, ScanHashesTheWholeUncompressedStream) {
  auto blob = put("one.tar.gz", gzip_member(tar_));
  auto scan = scan_layer_ids(blob, all_maps(), "sha256:one", true);
  ASSERT_TRUE(scan) << scan.error().message();
  EXPECT_EQ(scan->entries, 3u);
  ASSERT_TRUE(scan->diff_id) << "gzip layers are hashed in the scan (is libisal installed?)";
  EXPECT_EQ(*scan->diff_id, tar_digest());
  auto zlib = store::uncompressed_digest(blob, image::Compression::kGzip);
  ASSERT_TRUE(zlib);
  EXPECT_EQ(*scan->diff_id, zlib->digest);
}

TEST_F(GzipLayerTest, NoDiffIdUnlessAsked) {
  auto scan = scan_layer_ids(put("one.tar.gz", gzip_member(tar_)), all_maps());
  ASSERT_TRUE(scan) << scan.error().message();
  EXPECT_FALSE(scan->diff_id);
}

TEST_F(GzipLayerTest, ReadsThroughSeveralMembers) {
  size_t half = tar_.size() / 2 + 123;  // a cut in the middle of a file
  auto blob = put("two.tar.gz", gzip_member(tar_.substr(0, half)) + gzip_member(tar_.substr(half)));
  auto scan = scan_layer_ids(blob, all_maps(), "sha256:two", true);
  ASSERT_TRUE(scan) << scan.error().message();
  EXPECT_EQ(scan->entries, 3u);
  ASSERT_TRUE(scan->diff_id);
  EXPECT_EQ(*scan->diff_id, tar_digest());
}

TEST_F(GzipLayerTest, ABadCrcFailsTheScan) {
  std::string gz = gzip_member(tar_);
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x55);  // the trailer's CRC32
  auto scan = scan_layer_ids(put("crc.tar.gz", gz), all_maps(), "sha256:crc", true);
  ASSERT_FALSE(scan);
  EXPECT_NE(scan.error().message().find("sha256:crc"), std::string::npos) << scan.error().message();
}

TEST_F(GzipLayerTest, ATruncatedTrailerFailsTheScan) {
  std::string gz = gzip_member(tar_);
  auto scan = scan_layer_ids(put("cut.tar.gz", gz.substr(0, gz.size() - 4)), all_maps(), "", true);
  ASSERT_FALSE(scan);
  EXPECT_NE(scan.error().message().find("truncated"), std::string::npos) << scan.error().message();
}

TEST_F(GzipLayerTest, GarbageAfterTheLastMemberFailsTheScan) {
  auto blob = put("tail.tar.gz", gzip_member(tar_) + "not gzip");
  EXPECT_FALSE(scan_layer_ids(blob, all_maps(), "", true));
}

TEST_F(GzipLayerTest, UnpackReadsTheSameFiles) {
  auto blob = put("one.tar.gz", gzip_member(tar_));
  std::filesystem::path dest = temp_->path() / "dest";
  std::filesystem::create_directory(dest);
  std::vector<std::string> warnings;
  UnpackOptions options;
  options.ignore_ownership = true;
  ASSERT_TRUE(unpack_layer(blob, dest, options, warnings));
  auto big = read_file(dest / "etc/big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->size(), 300000u);
  EXPECT_EQ((*big)[997], static_cast<char>('a' + 997 % 26));
}

}  // namespace
}  // namespace sbx::rootfs::testing
