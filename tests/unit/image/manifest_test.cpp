#include "sandbox/image/manifest.hpp"

#include <gtest/gtest.h>

namespace sbx::image {
namespace {

std::string hex(char c) { return std::string(64, c); }
std::string digest(char c) { return "sha256:" + hex(c); }

std::string oci_manifest(std::string layer_type = std::string(media_type::kOciLayerGzip)) {
  return R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": ")" +
         digest('a') + R"(", "size": 123},
    "layers": [
      {"mediaType": ")" +
         layer_type + R"(", "digest": ")" + digest('b') + R"(", "size": 1000},
      {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": ")" +
         digest('c') +
         R"(", "size": 2000, "annotations": {"k": "v"}}
    ]
  })";
}

TEST(ManifestTest, ParsesOciManifest) {
  auto m = parse_manifest(oci_manifest());
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->media_type, media_type::kOciManifest);
  EXPECT_EQ(m->config.digest.str(), digest('a'));
  EXPECT_EQ(m->config.size, 123u);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].size, 1000u);
  EXPECT_EQ(m->layers[1].annotations.at("k"), "v");
  EXPECT_EQ(*layer_compression(m->layers[0].media_type), Compression::kGzip);
  EXPECT_EQ(*layer_compression(m->layers[1].media_type), Compression::kZstd);
}

TEST(ManifestTest, ParsesDockerV2S2) {
  std::string body = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
               "digest": ")" +
                     digest('d') + R"("},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9,
                "digest": ")" +
                     digest('e') + R"("}]
  })";
  auto m = parse_manifest(body);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->media_type, media_type::kDockerManifest);
  EXPECT_EQ(*layer_compression(m->layers[0].media_type), Compression::kGzip);
  auto any = parse_any_manifest(body, "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_TRUE(any) << any.error().message();
  EXPECT_TRUE(std::holds_alternative<ImageManifest>(*any));
}

TEST(ManifestTest, LayerCompressionOfEveryType) {
  EXPECT_EQ(*layer_compression(media_type::kOciLayerTar), Compression::kNone);
  EXPECT_EQ(*layer_compression(media_type::kOciLayerGzip), Compression::kGzip);
  EXPECT_EQ(*layer_compression(media_type::kOciLayerZstd), Compression::kZstd);
  EXPECT_EQ(*layer_compression(media_type::kDockerLayerGzip), Compression::kGzip);
  EXPECT_EQ(*layer_compression(media_type::kDockerLayerForeignGzip), Compression::kGzip);
  EXPECT_FALSE(layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2"));
}

TEST(ManifestTest, UnknownLayerTypeIsNamed) {
  auto m = parse_manifest(oci_manifest("application/x-mystery"));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("application/x-mystery"), std::string::npos)
      << m.error().message();
}

TEST(ManifestTest, RejectsBadDocuments) {
  const std::string config =
      R"("config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": ")" +
      digest('a') + R"(", "size": 1})";
  for (
      const std::string& bad : std::vector<std::string>{
          std::string("not json"),
          std::string("[]"),
          std::string(R"({"schemaVersion": 2, "layers": []})"),  // no config
          R"({"schemaVersion": 1, )" + config + R"(, "layers": []})",
          R"({"schemaVersion": 3, )" + config + R"(, "layers": []})",
          R"({"schemaVersion": "2", )" + config + R"(, "layers": []})",
          R"({)" + config + R"(, "layers": []})",  // no schemaVersion
          R"({"schemaVersion": 2, )" + config + R"(, "layers": {}})",
          R"({"schemaVersion": 2, "mediaType": "application/x-other", )" + config +
              R"(, "layers": []})",
          R"({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:abc", "size": 1}, "layers": []})",
          R"({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": ")" +
              digest('a') + R"(", "size": -1}, "layers": []})",
          R"({"schemaVersion": 2, "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": ")" +
              digest('a') + R"(", "size": 1}, "layers": []})",
      }) {
    EXPECT_FALSE(parse_manifest(bad)) << bad;
  }
}

TEST(ManifestTest, RejectsOversizedManifest) {
  std::string body = oci_manifest();
  body.insert(body.size() - 1, std::string(kMaxManifestBytes, ' '));
  auto m = parse_manifest(body);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("too large"), std::string::npos) << m.error().message();
}

std::string index_entry(char c, std::string_view os, std::string_view arch,
                        std::string_view variant = "") {
  std::string platform =
      R"({"os": ")" + std::string(os) + R"(", "architecture": ")" + std::string(arch) + R"(")" +
      (variant.empty() ? "" : R"(, "variant": ")" + std::string(variant) + R"(")") + "}";
  return R"({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + digest(c) +
         R"(", "size": 10, "platform": )" + platform + "}";
}

std::string index_of(std::vector<std::string> entries,
                     std::string_view type = media_type::kOciIndex) {
  std::string body =
      R"({"schemaVersion": 2, "mediaType": ")" + std::string(type) + R"(", "manifests": [)";
  for (size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
  return body + "]}";
}

TEST(IndexTest, ParsesAndSelectsHostPlatform) {
  auto index = parse_index(
      index_of({index_entry('1', "linux", "amd64"), index_entry('2', "linux", "arm64", "v8"),
                index_entry('3', "unknown", "unknown")}));
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_EQ(index->manifests.size(), 3u);
  auto amd = select_manifest(*index, {"linux", "amd64", ""});
  ASSERT_TRUE(amd);
  EXPECT_EQ(amd->digest.str(), digest('1'));
  auto arm = select_manifest(*index, {"linux", "arm64", ""});
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->digest.str(), digest('2'));
  auto arm_v8 = select_manifest(*index, *parse_platform("linux/arm64/v8"));
  ASSERT_TRUE(arm_v8);
  EXPECT_EQ(arm_v8->digest.str(), digest('2'));
  auto host = select_manifest(*index, host_platform());
  EXPECT_TRUE(host) << host_platform().str();
}

TEST(IndexTest, NoMatchListsOfferedPlatforms) {
  auto index = parse_index(
      index_of({index_entry('1', "linux", "amd64"), index_entry('2', "linux", "s390x")}));
  ASSERT_TRUE(index);
  auto none = select_manifest(*index, {"linux", "riscv64", ""});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("linux/riscv64"), std::string::npos);
  EXPECT_NE(none.error().message().find("linux/s390x"), std::string::npos);
  EXPECT_FALSE(select_manifest(*index, {"windows", "amd64", ""}));
}

TEST(IndexTest, VariantRulesLikeContainerd) {
  auto index = parse_index(
      index_of({index_entry('5', "linux", "arm", "v5"), index_entry('6', "linux", "arm", "v6"),
                index_entry('7', "linux", "arm", "v7"), index_entry('a', "linux", "amd64", "v2"),
                index_entry('b', "linux", "386")}));
  ASSERT_TRUE(index);
  // arm/v7 prefers v7, arm/v6 takes v6, never a higher variant.
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm/v7"))->digest.str(), digest('7'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm/v6"))->digest.str(), digest('6'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm"))->digest.str(), digest('7'));
  // arm64 falls back to 32-bit arm.
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm64"))->digest.str(), digest('7'));
  // amd64 (v1) cannot run a v2 image but runs 386; amd64/v3 takes v2.
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/amd64"))->digest.str(), digest('b'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/amd64/v3"))->digest.str(), digest('a'));
}

TEST(IndexTest, Arm64MinorVariants) {
  auto index = parse_index(
      index_of({index_entry('8', "linux", "arm64"), index_entry('1', "linux", "arm64", "v8.1"),
                index_entry('9', "linux", "arm64", "v9")}));
  ASSERT_TRUE(index);
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm64/v8.2"))->digest.str(),
            digest('1'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm64/v8.1"))->digest.str(),
            digest('1'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm64"))->digest.str(), digest('8'));
  EXPECT_EQ(select_manifest(*index, *parse_platform("linux/arm64/v9.1"))->digest.str(),
            digest('9'));
  auto v8_only = parse_index(index_of({index_entry('8', "linux", "arm64", "v8")}));
  ASSERT_TRUE(v8_only);
  EXPECT_EQ(select_manifest(*v8_only, *parse_platform("linux/arm64/v9"))->digest.str(),
            digest('8'));
}

// Found by fuzz_platform: a long variant overflowed an int and listed
// billions of fallback platforms.
TEST(IndexTest, HugeVariantsListFewFallbacks) {
  for (std::string_view text : {"linux/amd64/v2147483648", "linux/arm/v11111111111116",
                                "linux/arm64/v8.2147483647", "linux/arm64/v9.99999999999"}) {
    auto platform = parse_platform(text);
    ASSERT_TRUE(platform) << text;
    EXPECT_LE(compatible_platforms(*platform).size(), 8u) << text;
  }
}

TEST(IndexTest, DockerManifestListAndAnyManifest) {
  std::string body =
      index_of({index_entry('1', "linux", "amd64")}, media_type::kDockerManifestList);
  auto any = parse_any_manifest(body, "application/vnd.docker.distribution.manifest.list.v2+json");
  ASSERT_TRUE(any) << any.error().message();
  ASSERT_TRUE(std::holds_alternative<ImageIndex>(*any));
  EXPECT_EQ(std::get<ImageIndex>(*any).media_type, media_type::kDockerManifestList);
  // A generic content type falls back to the document.
  auto generic = parse_any_manifest(oci_manifest(), "application/json; charset=utf-8");
  ASSERT_TRUE(generic) << generic.error().message();
  EXPECT_TRUE(std::holds_alternative<ImageManifest>(*generic));
  // Header and document disagreeing is refused.
  EXPECT_FALSE(parse_any_manifest(oci_manifest(), media_type::kOciIndex));
  EXPECT_FALSE(parse_any_manifest("{}", media_type::kDockerManifestV1Signed));
  auto unknown = parse_any_manifest(R"({"schemaVersion": 2, "mediaType": "application/x-thing"})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("application/x-thing"), std::string::npos);
}

TEST(IndexTest, RejectsBadIndex) {
  EXPECT_FALSE(parse_index(R"({"schemaVersion": 2})"));
  EXPECT_FALSE(parse_index(R"({"schemaVersion": 2, "manifests": [{"mediaType": "x"}]})"));
  EXPECT_FALSE(parse_index(
      R"({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "manifests": []})"));
}

TEST(PlatformTest, ParsesAndNormalizes) {
  EXPECT_EQ(*parse_platform("linux/arm64/v8"), (Platform{"linux", "arm64", ""}));
  EXPECT_EQ(*parse_platform("linux/aarch64"), (Platform{"linux", "arm64", ""}));
  EXPECT_EQ(*parse_platform("linux/x86_64"), (Platform{"linux", "amd64", ""}));
  EXPECT_EQ(*parse_platform("linux/arm"), (Platform{"linux", "arm", "v7"}));
  EXPECT_EQ(*parse_platform("linux/armhf"), (Platform{"linux", "arm", "v7"}));
  EXPECT_EQ(*parse_platform("linux/armel"), (Platform{"linux", "arm", "v6"}));
  EXPECT_EQ(*parse_platform("linux/i386"), (Platform{"linux", "386", ""}));
  EXPECT_EQ(*parse_platform("arm64"), (Platform{"linux", "arm64", ""}));
  EXPECT_EQ(*parse_platform("Linux/AMD64"), (Platform{"linux", "amd64", ""}));
  EXPECT_EQ(parse_platform("linux/arm/v6")->str(), "linux/arm/v6");
  EXPECT_FALSE(parse_platform(""));
  EXPECT_FALSE(parse_platform("linux//v7"));
  EXPECT_FALSE(parse_platform("a/b/c/d"));
  Platform host = host_platform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_FALSE(host.architecture.empty());
#if defined(__x86_64__)
  EXPECT_EQ(host.architecture, "amd64");
#endif
}

TEST(ConfigTest, ParsesDockerStyleConfig) {
  std::string body = R"({
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {
      "User": "1000:1000", "Env": ["PATH=/usr/bin", "A=b"], "Entrypoint": ["/init"],
      "Cmd": ["sh", "-c", "echo hi"], "WorkingDir": "/work", "StopSignal": "SIGINT",
      "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}, "Volumes": {"/data": {}},
      "Labels": {"org.example": "x"}
    },
    "rootfs": {"type": "layers", "diff_ids": [")" +
                     digest('1') + R"(", ")" + digest('2') + R"("]},
    "history": [{"created_by": "ADD rootfs"}, {"created_by": "ENV A=b", "empty_layer": true}]
  })";
  auto c = parse_config(body);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_EQ(c->env, (std::vector<std::string>{"PATH=/usr/bin", "A=b"}));
  EXPECT_EQ(c->entrypoint, (std::vector<std::string>{"/init"}));
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(c->working_dir, "/work");
  EXPECT_EQ(c->stop_signal, "SIGINT");
  EXPECT_EQ(c->exposed_ports, (std::vector<std::string>{"53/udp", "8080/tcp"}));
  EXPECT_EQ(c->volumes, (std::vector<std::string>{"/data"}));
  EXPECT_EQ(c->labels.at("org.example"), "x");
  ASSERT_EQ(c->diff_ids.size(), 2u);
  EXPECT_EQ(c->diff_ids[1].str(), digest('2'));
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_TRUE(c->history[1].empty_layer);
  EXPECT_EQ(c->raw_json, body);
}

TEST(ConfigTest, NullsAreEmpty) {
  auto c = parse_config(R"({"os": "linux", "architecture": "arm64", "variant": "v8",
    "config": {"Env": null, "Entrypoint": null, "Cmd": null, "Labels": null},
    "rootfs": {"type": "layers", "diff_ids": []}})");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->env.empty());
  EXPECT_TRUE(c->entrypoint.empty());
  EXPECT_EQ(c->variant, "v8");
}

TEST(ConfigTest, RejectsBadConfigs) {
  const std::string rootfs = R"("rootfs": {"type": "layers", "diff_ids": []})";
  for (const std::string& bad : std::vector<std::string>{
           std::string("{"),
           std::string(R"({"os": "linux"})"),  // no rootfs
           R"({"config": {"Env": "PATH=/bin"}, )" + rootfs + "}",
           R"({"config": {"Cmd": [1, 2]}, )" + rootfs + "}",
           R"({"config": {"Labels": {"a": 1}}, )" + rootfs + "}",
           R"({"os": 7, )" + rootfs + "}",
           std::string(R"({"rootfs": {"type": "layers", "diff_ids": ["sha256:zz"]}})"),
           std::string(R"({"rootfs": {"type": "other", "diff_ids": []}})"),
       }) {
    EXPECT_FALSE(parse_config(bad)) << bad;
  }
  std::string huge = R"({"rootfs": {"type": "layers", "diff_ids": []}, "pad": ")" +
                     std::string(kMaxConfigBytes, 'x') + R"("})";
  auto big = parse_config(huge);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message().find("too large"), std::string::npos);
}

}  // namespace
}  // namespace sbx::image
