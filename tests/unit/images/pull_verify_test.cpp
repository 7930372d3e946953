// The check a pull makes right after a layer blob arrived: its diff id and
// its ids, in one pass over the uncompressed stream (gzip), or in two
// (zstd). A wrong diff id is reported as such and names the layer.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "../support/gzip.hpp"
#include "layers.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {
namespace {

// A tar with one file "data/f" owned by `uid` (libarchive, as the binary loads it).
std::string tar_with_owner(const std::filesystem::path& dir, uid_t uid) {
  std::filesystem::path path = dir / "layer.tar";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  archive* a = archive_write_new();
  archive_write_add_filter_none(a);
  archive_write_set_format_pax_restricted(a);
  EXPECT_EQ(archive_write_open_fd(a, fd), ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  st.st_uid = uid;
  st.st_size = 5;
  archive_entry_copy_stat(entry, &st);
  archive_entry_set_pathname(entry, "data/f");
  EXPECT_EQ(archive_write_header(a, entry), ARCHIVE_OK);
  archive_write_data(a, "hello", 5);
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  ::close(fd);
  return read_file(path).value();
}

using test::gzip;

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

image::Digest sha256(const std::string& data) {
  image::Sha256 hash;
  hash.update(data);
  return hash.finish();
}

userns::IdMaps standard_maps() {
  userns::IdMaps maps;
  maps.uids = {{0, 1000, 1}, {1, 100000, 65535}};
  maps.gids = {{0, 1000, 1}, {1, 100000, 65535}};
  return maps;
}

class PullVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::create({}, "sbx-pull-verify-test-");
    ASSERT_TRUE(temp);
    temp_.emplace(std::move(*temp));
    auto store = store::Store::open(temp_->path() / "root");
    ASSERT_TRUE(store) << store.error().message();
    store_.emplace(std::move(*store));
  }
  // The blob stored as a pull would have it; the layer names `diff_id`.
  LayerToUnpack stored(const std::string& blob, const image::Digest& diff_id,
                       image::Compression compression) {
    auto digest = store_->write_blob(blob);
    EXPECT_TRUE(digest);
    LayerToUnpack layer;
    layer.blob.digest = *digest;
    layer.blob.size = blob.size();
    layer.diff_id = diff_id;
    layer.compression = compression;
    return layer;
  }
  std::optional<TempDir> temp_;
  std::optional<store::Store> store_;
};

TEST_F(PullVerifyTest, AGoodGzipLayerGivesItsContentBytes) {
  std::string tar = tar_with_owner(temp_->path(), 1000);
  LayerToUnpack layer = stored(gzip(tar), sha256(tar), image::Compression::kGzip);
  auto bytes = verify_and_scan(*store_, layer, standard_maps());
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(*bytes, 5u);
}

TEST_F(PullVerifyTest, AWrongDiffIdNamesTheLayer) {
  std::string tar = tar_with_owner(temp_->path(), 1000);
  LayerToUnpack layer = stored(gzip(tar), sha256("another layer"), image::Compression::kGzip);
  auto bytes = verify_and_scan(*store_, layer, standard_maps());
  ASSERT_FALSE(bytes);
  const std::string& message = bytes.error().message();
  EXPECT_NE(message.find("layer " + layer.blob.digest.str()), std::string::npos) << message;
  EXPECT_NE(message.find("uncompressed content has digest " + sha256(tar).str()), std::string::npos)
      << message;
}

TEST_F(PullVerifyTest, TheDigestIsReportedBeforeTheIds) {
  std::string tar = tar_with_owner(temp_->path(), 200000);
  LayerToUnpack layer = stored(gzip(tar), sha256("another layer"), image::Compression::kGzip);
  auto bytes = verify_and_scan(*store_, layer, standard_maps());
  ASSERT_FALSE(bytes);
  EXPECT_NE(bytes.error().message().find("uncompressed content has digest"), std::string::npos)
      << bytes.error().message();
}

TEST_F(PullVerifyTest, AnUnmappableUidIsNamedOnceTheDigestIsRight) {
  std::string tar = tar_with_owner(temp_->path(), 200000);
  LayerToUnpack layer = stored(gzip(tar), sha256(tar), image::Compression::kGzip);
  auto bytes = verify_and_scan(*store_, layer, standard_maps());
  ASSERT_FALSE(bytes);
  const std::string& message = bytes.error().message();
  EXPECT_EQ(message.find("layer " + layer.blob.digest.str() + ": layer"), std::string::npos)
      << "named once: " << message;
  EXPECT_NE(message.find("data/f is owned by uid 200000"), std::string::npos) << message;
}

TEST_F(PullVerifyTest, ZstdLayersAreCheckedToo) {
  std::string tar = tar_with_owner(temp_->path(), 1000);
  LayerToUnpack good = stored(zstd(tar), sha256(tar), image::Compression::kZstd);
  EXPECT_TRUE(verify_and_scan(*store_, good, standard_maps()));
  LayerToUnpack bad =
      stored(zstd(tar + std::string(1024, '\0')), sha256(tar), image::Compression::kZstd);
  auto bytes = verify_and_scan(*store_, bad, standard_maps());
  ASSERT_FALSE(bytes);
  EXPECT_NE(bytes.error().message().find("uncompressed content has digest"), std::string::npos)
      << bytes.error().message();
}

}  // namespace
}  // namespace sbx::images
