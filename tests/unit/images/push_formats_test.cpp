// `push --format`: a manifest in OCI or Docker v2s2 form keeps its blobs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sandbox/images/formats.hpp"
#include "sandbox/images/push.hpp"

namespace sbx::images {
namespace {

using nlohmann::json;
namespace mt = image::media_type;

image::Digest digest_of(char c) { return *image::Digest::parse("sha256:" + std::string(64, c)); }

image::ImageManifest manifest_with(std::string_view layer_type) {
  image::ImageManifest m;
  m.media_type = mt::kOciManifest;
  m.config = {std::string(mt::kOciConfig), digest_of('c'), 123, {}, {}, {}};
  m.layers = {{std::string(layer_type), digest_of('a'), 456, {}, {}, {}}};
  return m;
}

TEST(PushFormat, ParsesNames) {
  EXPECT_EQ(parse_manifest_format("oci"), ManifestFormat::kOci);
  EXPECT_EQ(parse_manifest_format("v2s2"), ManifestFormat::kDockerV2S2);
  auto bad = parse_manifest_format("v2s1");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("oci or v2s2"), std::string::npos);
  EXPECT_EQ(parse_compression("zstd"), image::Compression::kZstd);
  EXPECT_FALSE(parse_compression("xz"));
}

TEST(PushFormat, OciToDockerKeepsDigestsAndRenamesTypes) {
  auto body = manifest_in_format(manifest_with(mt::kOciLayerGzip), ManifestFormat::kDockerV2S2);
  ASSERT_TRUE(body) << body.error().message();
  json doc = json::parse(*body);
  EXPECT_EQ(doc["mediaType"], std::string(mt::kDockerManifest));
  EXPECT_EQ(doc["config"]["mediaType"], std::string(mt::kDockerConfig));
  EXPECT_EQ(doc["config"]["digest"], digest_of('c').str());
  EXPECT_EQ(doc["config"]["size"], 123);
  EXPECT_EQ(doc["layers"][0]["mediaType"], std::string(mt::kDockerLayerGzip));
  EXPECT_EQ(doc["layers"][0]["digest"], digest_of('a').str());
  // And it parses back, the same blobs.
  auto parsed = image::parse_manifest(*body);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->layers[0].digest, digest_of('a'));
}

TEST(PushFormat, DockerToOci) {
  image::ImageManifest m = manifest_with(mt::kDockerLayerGzip);
  m.media_type = mt::kDockerManifest;
  auto body = manifest_in_format(m, ManifestFormat::kOci);
  ASSERT_TRUE(body) << body.error().message();
  json doc = json::parse(*body);
  EXPECT_EQ(doc["mediaType"], std::string(mt::kOciManifest));
  EXPECT_EQ(doc["config"]["mediaType"], std::string(mt::kOciConfig));
  EXPECT_EQ(doc["layers"][0]["mediaType"], std::string(mt::kOciLayerGzip));
}

TEST(PushFormat, V2s2RefusesZstdAndUncompressedLayersNamingThem) {
  for (auto type : {mt::kOciLayerZstd, mt::kOciLayerTar}) {
    auto body = manifest_in_format(manifest_with(type), ManifestFormat::kDockerV2S2);
    ASSERT_FALSE(body) << type;
    EXPECT_NE(body.error().message().find(digest_of('a').str()), std::string::npos);
    EXPECT_NE(body.error().message().find("gzip"), std::string::npos);
  }
}

}  // namespace
}  // namespace sbx::images
