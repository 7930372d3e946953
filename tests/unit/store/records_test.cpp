#include "sandbox/store/records.hpp"

#include <gtest/gtest.h>

namespace sbx::store {
namespace {

image::Digest digest_of(std::string_view text) { return image::sha256_of(text); }

TEST(Records, LayerRoundTrip) {
  LayerRecord layer{digest_of("diff"), digest_of("blob"), "application/x", 10, 20};
  auto parsed = parse_layer_record(to_json(layer));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, layer);
}

TEST(Records, ImageRoundTripKeepsLayerOrderAndSize) {
  ImageRecord image;
  image.id = digest_of("config");
  image.manifest_digest = digest_of("manifest");
  image.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
  image.layers = {{digest_of("a"), digest_of("A"), "t", 1, 100},
                  {digest_of("b"), digest_of("B"), "t", 2, 50}};
  image.os = "linux";
  image.architecture = "amd64";
  image.created = "2024-01-02T03:04:05Z";
  image.stored_at = 1700000000;
  auto parsed = parse_image_record(to_json(image));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->id, image.id);
  EXPECT_EQ(parsed->manifest_digest, image.manifest_digest);
  ASSERT_EQ(parsed->layers.size(), 2u);
  EXPECT_EQ(parsed->layers[0], image.layers[0]);
  EXPECT_EQ(parsed->layers[1], image.layers[1]);
  EXPECT_EQ(parsed->size(), 150u);
  EXPECT_EQ(parsed->stored_at, 1700000000);
  EXPECT_EQ(parsed->architecture, "amd64");
}

TEST(Records, ImportedImageHasNoManifestDigest) {
  ImageRecord image;
  image.id = digest_of("config");
  auto parsed = parse_image_record(to_json(image));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->manifest_digest.empty());
}

TEST(Records, RejectsBrokenRecords) {
  EXPECT_FALSE(parse_image_record("not json"));
  EXPECT_FALSE(parse_image_record("[]"));
  EXPECT_FALSE(parse_image_record(R"({"id":"sha256:12","layers":[]})"));
  EXPECT_FALSE(parse_image_record(R"({"id":")" + digest_of("x").str() + R"("})"));
  auto missing = parse_layer_record(R"({"digest":"sha256:00"})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("diff_id"), std::string::npos);
}

TEST(Records, NameIndexRoundTripAndDrop) {
  NameIndex names;
  image::Digest a = digest_of("a"), b = digest_of("b");
  names.tags["docker.io/library/busybox:latest"] = a;
  names.tags["docker.io/library/busybox:1"] = a;
  names.tags["example.com/x:y"] = b;
  names.digests["docker.io/library/busybox@" + digest_of("m").str()] = a;
  auto parsed = parse_name_index(to_json(names));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, names);
  EXPECT_EQ(names.tags_of(a), (std::vector<std::string>{"docker.io/library/busybox:1",
                                                        "docker.io/library/busybox:latest"}));
  EXPECT_EQ(names.drop_image(a).size(), 2u);
  EXPECT_TRUE(names.digests.empty());
  EXPECT_EQ(names.tags.size(), 1u);
}

TEST(Records, NameIndexRejectsBadDigest) {
  EXPECT_FALSE(parse_name_index(R"({"tags":{"x:y":"sha256:nothex"}})"));
  EXPECT_FALSE(parse_name_index(R"({"tags":[]})"));
  auto empty = parse_name_index("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->tags.empty());
}

TEST(Records, Rfc3339) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.123456789Z"), 1704164645);
  EXPECT_EQ(parse_rfc3339("2024-01-02T05:04:05+02:00"), 1704164645);
  EXPECT_EQ(parse_rfc3339("yesterday"), -1);
  EXPECT_EQ(parse_rfc3339(format_rfc3339(1704164645)), 1704164645);
}

}  // namespace
}  // namespace sbx::store
