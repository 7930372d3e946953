#include "sandbox/image/digest.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "sandbox/base/files.hpp"

namespace sbx::image {
namespace {

constexpr std::string_view kEmpty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(DigestTest, ParsesSha256) {
  auto d = Digest::parse("sha256:" + std::string(kAbc));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->hex(), kAbc);
  EXPECT_EQ(d->str(), "sha256:" + std::string(kAbc));
  EXPECT_EQ(d->short_hex(), "ba7816bf8f01");
  EXPECT_EQ(d->algorithm(), "sha256");
}

TEST(DigestTest, RejectsBadDigests) {
  std::string upper(kAbc);
  upper[0] = 'B';
  for (const std::string& bad : std::vector<std::string>{
           std::string(""), std::string(kAbc), "sha256:", "sha256:" + upper,
           "sha256:" + std::string(kAbc).substr(1), "sha256:" + std::string(kAbc) + "0",
           "sha512:" + std::string(kAbc), "md5:d41d8cd98f00b204e9800998ecf8427e",
           ":" + std::string(kAbc), "sha256:" + std::string(63, 'a') + "g"})
    EXPECT_FALSE(Digest::parse(bad)) << bad;
  auto unsupported = Digest::parse("sha512:abc");
  ASSERT_FALSE(unsupported);
  EXPECT_NE(unsupported.error().message().find("sha512"), std::string::npos);
}

TEST(DigestTest, HashesKnownVectors) {
  EXPECT_EQ(sha256_of("").hex(), kEmpty);
  EXPECT_EQ(sha256_of("abc").hex(), kAbc);
}

TEST(DigestTest, StreamingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 7);
  Sha256 hasher;
  for (size_t i = 0; i < data.size(); i += 997)
    hasher.update(std::string_view(data).substr(i, 997));
  EXPECT_EQ(hasher.size(), data.size());
  EXPECT_EQ(hasher.finish(), sha256_of(data));
  // After finish the hasher starts over.
  hasher.update("abc");
  EXPECT_EQ(hasher.finish_hex(), kAbc);
}

TEST(DigestTest, HashesFiles) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto path = dir->path() / "f";
  ASSERT_TRUE(write_file_atomic(path, "abc"));
  auto d = sha256_of_file(path);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->hex(), kAbc);
  EXPECT_FALSE(sha256_of_file(dir->path() / "missing"));
}

TEST(DigestTest, ComparesAndOrders) {
  auto a = *Digest::parse("sha256:" + std::string(kAbc));
  auto e = *Digest::parse("sha256:" + std::string(kEmpty));
  EXPECT_EQ(a, sha256_of("abc"));
  EXPECT_NE(a, e);
  EXPECT_LT(a, e);
  EXPECT_TRUE(Digest().empty());
  EXPECT_EQ(Digest().str(), "");
}

}  // namespace
}  // namespace sbx::image
