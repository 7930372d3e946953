#include "sandbox/store/layer_compress.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include "../support/gzip.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::store {
namespace {

namespace fs = std::filesystem;

using image::Compression;

class LayerCompressTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, std::string_view data) {
    fs::path path = dir_.path() / name;
    EXPECT_TRUE(write_file_atomic(path, data));
    return path;
  }
  fs::path out(const std::string& name) { return dir_.path() / name; }
  // Mixed content: compressible runs and some varied bytes.
  std::string payload_ = [] {
    std::string text(3 << 20, 'x');
    for (size_t i = 0; i < text.size(); i += 97) text[i] = static_cast<char>(i * 31);
    return text;
  }();
  image::Digest diff_id_ = image::sha256_of(payload_);
  TempDir dir_ = TempDir::create().value();
};

TEST_F(LayerCompressTest, EveryWayRoundKeepsTheDiffIdAndDescribesTheNewBlob) {
  fs::path gz = write("in.gz", test::gzip(payload_));
  fs::path plain = write("in.tar", payload_);
  struct Case {
    fs::path blob;
    Compression from, to;
  } cases[] = {{gz, Compression::kGzip, Compression::kZstd},
               {plain, Compression::kNone, Compression::kGzip},
               {plain, Compression::kNone, Compression::kZstd}};
  int n = 0;
  for (const Case& c : cases) {
    fs::path target = out("out" + std::to_string(n++));
    auto blob = recompress_layer(c.blob, c.from, diff_id_, c.to, target);
    ASSERT_TRUE(blob) << blob.error().message();
    std::string bytes = read_file(target).value();
    EXPECT_EQ(blob->digest, image::sha256_of(bytes));
    EXPECT_EQ(blob->size, bytes.size());
    EXPECT_LT(blob->size, payload_.size() / 4);  // it did compress
    EXPECT_EQ(sniff_compression(target).value(), c.to);
    auto back = uncompressed_digest(target, c.to);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->digest, diff_id_);
  }
  // zstd -> gzip, from the zstd blob just made.
  auto gzipped = recompress_layer(out("out0"), Compression::kZstd, diff_id_, Compression::kGzip,
                                  out("again.gz"));
  ASSERT_TRUE(gzipped) << gzipped.error().message();
  EXPECT_EQ(uncompressed_digest(out("again.gz"), Compression::kGzip)->digest, diff_id_);
}

// A repeated push must make the same bytes, so the registry's HEAD finds them.
TEST_F(LayerCompressTest, TheSameInputGivesTheSameBytes) {
  fs::path gz = write("in.gz", test::gzip(payload_));
  for (Compression to : {Compression::kZstd, Compression::kGzip}) {
    fs::path plain = write("in.tar", payload_);
    auto first = recompress_layer(gz, Compression::kGzip, diff_id_, to, out("a"));
    auto second = recompress_layer(plain, Compression::kNone, diff_id_, to, out("b"));
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->digest, second->digest);
    fs::remove(out("a"));
    fs::remove(out("b"));
  }
}

TEST_F(LayerCompressTest, AWrongDiffIdOrACorruptBlobIsAnError) {
  fs::path gz = write("in.gz", test::gzip(payload_));
  auto wrong = recompress_layer(gz, Compression::kGzip, image::sha256_of("other"),
                                Compression::kZstd, out("wrong"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("not the diff id"), std::string::npos)
      << wrong.error().message();
  std::string cut = test::gzip(payload_);
  cut.resize(cut.size() / 2);
  auto truncated = recompress_layer(write("cut.gz", cut), Compression::kGzip, diff_id_,
                                    Compression::kZstd, out("cut"));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message().find("truncated"), std::string::npos)
      << truncated.error().message();
  // The output is a new file: an existing one is not overwritten.
  write("taken", "keep");
  auto taken = recompress_layer(gz, Compression::kGzip, diff_id_, Compression::kZstd, out("taken"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(read_file(out("taken")).value(), "keep");
}

}  // namespace
}  // namespace sbx::store
