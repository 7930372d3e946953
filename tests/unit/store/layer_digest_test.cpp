#include "sandbox/store/layer_digest.hpp"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "../support/gzip.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::store {
namespace {

namespace fs = std::filesystem;

using test::gzip;

std::string zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

class LayerDigestTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, std::string_view data) {
    fs::path path = dir_.path() / name;
    EXPECT_TRUE(write_file_atomic(path, data));
    return path;
  }
  std::string payload_ = std::string(1 << 20, 'x') + "tail";
  TempDir dir_ = TempDir::create().value();
};

TEST_F(LayerDigestTest, AllCompressionsGiveTheSameDiffId) {
  image::Digest expected = image::sha256_of(payload_);
  auto plain = uncompressed_digest(write("plain", payload_), image::Compression::kNone);
  auto gz = uncompressed_digest(write("gz", gzip(payload_)), image::Compression::kGzip);
  auto zst = uncompressed_digest(write("zst", zstd(payload_)), image::Compression::kZstd);
  ASSERT_TRUE(plain && gz && zst);
  EXPECT_EQ(plain->digest, expected);
  EXPECT_EQ(gz->digest, expected);
  EXPECT_EQ(zst->digest, expected);
  EXPECT_EQ(gz->size, payload_.size());
}

TEST_F(LayerDigestTest, MultiMemberGzipAndMultiFrameZstd) {
  auto gz = uncompressed_digest(write("gz", gzip("abc") + gzip("def")), image::Compression::kGzip);
  ASSERT_TRUE(gz) << gz.error().message();
  EXPECT_EQ(gz->digest, image::sha256_of("abcdef"));
  auto zst =
      uncompressed_digest(write("zst", zstd("abc") + zstd("def")), image::Compression::kZstd);
  ASSERT_TRUE(zst) << zst.error().message();
  EXPECT_EQ(zst->digest, image::sha256_of("abcdef"));
}

// A frame whose output ends exactly on zstd's output buffer (128 KiB) is whole:
// asking zstd for more then would start the next frame's header.
TEST_F(LayerDigestTest, ZstdFrameEndingOnABufferBoundary) {
  std::string exact(4 << 20, 'y');
  auto zst = uncompressed_digest(write("exact.zst", zstd(exact)), image::Compression::kZstd);
  ASSERT_TRUE(zst) << zst.error().message();
  EXPECT_EQ(zst->digest, image::sha256_of(exact));
  auto two =
      uncompressed_digest(write("two.zst", zstd(exact) + zstd("next")), image::Compression::kZstd);
  ASSERT_TRUE(two) << two.error().message();
  EXPECT_EQ(two->digest, image::sha256_of(exact + "next"));
}

TEST_F(LayerDigestTest, TruncatedAndCorruptStreamsFail) {
  std::string gz = gzip(payload_);
  EXPECT_FALSE(
      uncompressed_digest(write("t.gz", gz.substr(0, gz.size() / 2)), image::Compression::kGzip));
  std::string zst = zstd(payload_);
  EXPECT_FALSE(uncompressed_digest(write("t.zst", zst.substr(0, zst.size() - 3)),
                                   image::Compression::kZstd));
  EXPECT_FALSE(uncompressed_digest(write("bad.gz", "not gzip at all"), image::Compression::kGzip));
}

TEST_F(LayerDigestTest, SniffsCompression) {
  EXPECT_EQ(sniff_compression(write("a", gzip("x"))).value(), image::Compression::kGzip);
  EXPECT_EQ(sniff_compression(write("b", zstd("x"))).value(), image::Compression::kZstd);
  EXPECT_EQ(sniff_compression(write("c", "plain tar")).value(), image::Compression::kNone);
  EXPECT_EQ(sniff_compression(write("d", "")).value(), image::Compression::kNone);
}

}  // namespace
}  // namespace sbx::store
