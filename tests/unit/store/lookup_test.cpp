#include "sandbox/store/lookup.hpp"

#include <gtest/gtest.h>

namespace sbx::store {
namespace {

struct LookupTest : ::testing::Test {
  image::Digest a = image::sha256_of("a");
  image::Digest b = image::sha256_of("b");
  image::Digest manifest = image::sha256_of("manifest");
  NameIndex names;
  std::vector<image::Digest> ids{a, b};
  void SetUp() override {
    names.tags["docker.io/library/busybox:latest"] = a;
    names.tags["127.0.0.1:5000/test/busybox:v1"] = b;
    names.digests["docker.io/library/busybox@" + manifest.str()] = a;
  }
};

TEST_F(LookupTest, ShortNamesAreDockerHubLibraryLatest) {
  for (const char* text :
       {"busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest"}) {
    auto match = match_image(names, ids, text);
    ASSERT_TRUE(match) << text << ": " << match.error().message();
    EXPECT_EQ(match->id, a) << text;
    EXPECT_EQ(match->name, "docker.io/library/busybox:latest");
  }
}

TEST_F(LookupTest, RegistryNameAndDigest) {
  auto match = match_image(names, ids, "127.0.0.1:5000/test/busybox:v1");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->id, b);
  auto by_digest = match_image(names, ids, "busybox@" + manifest.str());
  ASSERT_TRUE(by_digest) << by_digest.error().message();
  EXPECT_EQ(by_digest->id, a);
}

TEST_F(LookupTest, IdsAndPrefixes) {
  auto full = match_image(names, ids, b.str());
  ASSERT_TRUE(full);
  EXPECT_EQ(full->id, b);
  EXPECT_TRUE(full->name.empty());
  auto hex = match_image(names, ids, b.hex());
  ASSERT_TRUE(hex);
  EXPECT_EQ(hex->id, b);
  auto prefix = match_image(names, ids, b.short_hex());
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->id, b);
}

TEST_F(LookupTest, AmbiguousPrefix) {
  // Two ids that share their first digit: find such a pair among a few hashes.
  std::vector<image::Digest> many;
  for (int i = 0; i < 40; ++i) many.push_back(image::sha256_of(std::to_string(i)));
  std::string shared;
  for (size_t i = 0; i < many.size() && shared.empty(); ++i)
    for (size_t j = i + 1; j < many.size(); ++j)
      if (many[i].hex()[0] == many[j].hex()[0]) shared = many[i].hex().substr(0, 1);
  ASSERT_FALSE(shared.empty());
  // "a".."f" would parse as a name first; a digit is only an id prefix.
  auto match = match_image(NameIndex{}, many, shared);
  ASSERT_FALSE(match);
  EXPECT_NE(match.error().message().find("ambiguous"), std::string::npos);
}

TEST_F(LookupTest, NotFound) {
  auto missing = match_image(names, ids, "alpine");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  EXPECT_NE(missing.error().message().find("alpine"), std::string::npos);
  auto other_tag = match_image(names, ids, "busybox:1.36");
  ASSERT_FALSE(other_tag);
  EXPECT_TRUE(is_not_found(other_tag.error()));
  auto bad = match_image(names, ids, "Not/Valid");
  ASSERT_FALSE(bad);
  EXPECT_FALSE(is_not_found(bad.error()));
}

TEST(Lookup, CanonicalTag) {
  EXPECT_EQ(canonical_tag("mybox").value(), "docker.io/library/mybox:latest");
  EXPECT_EQ(canonical_tag("localhost:5000/a/b:c").value(), "localhost:5000/a/b:c");
  EXPECT_FALSE(canonical_tag("busybox@" + image::sha256_of("x").str()));
  EXPECT_FALSE(canonical_tag("UPPER"));
}

TEST(Lookup, DisplayName) {
  auto hub = display_name("docker.io/library/busybox:latest");
  EXPECT_EQ(hub.repository, "busybox");
  EXPECT_EQ(hub.tag, "latest");
  auto user = display_name("docker.io/user/app:1");
  EXPECT_EQ(user.repository, "user/app");
  auto local = display_name("127.0.0.1:5000/test/busybox:v2s2");
  EXPECT_EQ(local.repository, "127.0.0.1:5000/test/busybox");
  EXPECT_EQ(local.tag, "v2s2");
  // What `save` writes as RepoTags must load as the same name.
  EXPECT_EQ(display_name("docker.io/library/a/b:1").repository, "library/a/b");
  EXPECT_EQ(display_name("docker.io/example.com/app:1").repository, "docker.io/example.com/app");
}

}  // namespace
}  // namespace sbx::store
