// docker-archive manifest.json / repositories and OCI index.json: parsing
// what docker and skopeo write, and writing what they read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sandbox/images/formats.hpp"

namespace sbx::images {
namespace {

using nlohmann::json;

const char* kSkopeoManifest =
    R"([{"Config":"07223efe0d6768605df22a71e253ca3a9afd8adc9b2438cc662cab9cb5f9018b.json",)"
    R"("RepoTags":["docker.io/test/busybox:latest"],)"
    R"("Layers":["6dc100791da555e757ed7998795e70364eae950a73f0e938af5a341c7eafc4a6.tar"]}])";

TEST(DockerArchiveManifest, ParsesWhatSkopeoWrites) {
  auto images = parse_docker_archive_manifest(kSkopeoManifest);
  ASSERT_TRUE(images) << images.error().message();
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].config,
            "07223efe0d6768605df22a71e253ca3a9afd8adc9b2438cc662cab9cb5f9018b.json");
  EXPECT_EQ((*images)[0].repo_tags, std::vector<std::string>{"docker.io/test/busybox:latest"});
  ASSERT_EQ((*images)[0].layers.size(), 1u);
}

TEST(DockerArchiveManifest, NullRepoTagsIsAnUntaggedImage) {
  auto images =
      parse_docker_archive_manifest(R"([{"Config":"a.json","RepoTags":null,"Layers":[]}])");
  ASSERT_TRUE(images) << images.error().message();
  EXPECT_TRUE((*images)[0].repo_tags.empty());
}

TEST(DockerArchiveManifest, RefusesMalformedDocuments) {
  for (const char* bad : {"", "{}", "[]", "not json", R"([{"RepoTags":[],"Layers":[]}])",
                          R"([{"Config":"a.json","Layers":"x"}])", R"([{"Config":"a.json"}])",
                          R"([{"Config":"a.json","Layers":[1]}])", R"([1])"}) {
    auto images = parse_docker_archive_manifest(bad);
    EXPECT_FALSE(images) << bad;
    if (!images) {
      EXPECT_NE(images.error().message().find("manifest.json"), std::string::npos);
    }
  }
}

TEST(DockerArchiveManifest, WritesWhatItReads) {
  std::vector<DockerArchiveImage> images{
      {"abc.json", {"busybox:latest", "127.0.0.1:5000/x/y:v1"}, {"l1/layer.tar", "l2/layer.tar"}},
      {"def.json", {}, {"l1/layer.tar"}}};
  std::string text = docker_archive_manifest_json(images);
  json doc = json::parse(text);
  EXPECT_TRUE(doc[1]["RepoTags"].is_null()) << "docker writes null for no tags";
  auto back = parse_docker_archive_manifest(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, images);
}

TEST(DockerArchiveRepositories, MapsRepositoryAndTagToTheTopLayer) {
  std::vector<DockerArchiveImage> images{
      {"a.json", {"busybox:latest", "127.0.0.1:5000/x/y:v1"}, {"l/layer.tar"}}};
  json doc = json::parse(docker_repositories_json(images, {"top"}));
  EXPECT_EQ(doc["busybox"]["latest"], "top");
  EXPECT_EQ(doc["127.0.0.1:5000/x/y"]["v1"], "top") << "the registry port is not the tag";
}

image::Digest digest(char c) { return *image::Digest::parse("sha256:" + std::string(64, c)); }

TEST(OciIndex, WritesDescriptorsWithAnnotationsThatParseBack) {
  image::Descriptor named;
  named.media_type = std::string(image::media_type::kOciManifest);
  named.digest = digest('a');
  named.size = 349;
  named.annotations[std::string(kOciRefNameAnnotation)] = "latest";
  named.annotations[std::string(kContainerdNameAnnotation)] = "docker.io/library/busybox:latest";
  image::Descriptor plain = named;
  plain.annotations.clear();
  plain.digest = digest('b');
  std::string text = oci_index_json({named, plain});
  auto index = image::parse_index(text);
  ASSERT_TRUE(index) << index.error().message();
  EXPECT_EQ(index->media_type, image::media_type::kOciIndex);
  ASSERT_EQ(index->manifests.size(), 2u);
  EXPECT_EQ(index->manifests[0].digest, named.digest);
  EXPECT_EQ(index->manifests[0].size, 349u);
  EXPECT_EQ(index->manifests[0].annotations, named.annotations);
  EXPECT_FALSE(json::parse(text)["manifests"][1].contains("annotations"));
  EXPECT_EQ(oci_entry_name(index->manifests[0]), "docker.io/library/busybox:latest");
  EXPECT_EQ(oci_entry_name(index->manifests[1]), "");
}

TEST(OciIndex, ParsesWhatSkopeoWrites) {
  const char* skopeo =
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("digest":"sha256:8eff651588c6b4d89d37008e7d044f5f74cae3e86e585963ebb52c75a210c68d",)"
      R"("size":349,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]})";
  auto index = image::parse_index(skopeo);
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_EQ(index->manifests.size(), 1u);
  EXPECT_EQ(oci_entry_name(index->manifests[0]), "") << "a bare tag names no repository";
}

TEST(OciIndex, EntryNamesFromRefNameWhenItIsAFullReference) {
  image::Descriptor d;
  d.annotations[std::string(kOciRefNameAnnotation)] = "example.com/app:1.0";
  EXPECT_EQ(oci_entry_name(d), "example.com/app:1.0");
  d.annotations[std::string(kOciRefNameAnnotation)] = "busybox:latest";
  EXPECT_EQ(oci_entry_name(d), "docker.io/library/busybox:latest");
  d.annotations[std::string(kOciRefNameAnnotation)] = "Not A Ref:";
  EXPECT_EQ(oci_entry_name(d), "");
  d.annotations[std::string(kContainerdNameAnnotation)] = "quay.io/x/y:2";
  EXPECT_EQ(oci_entry_name(d), "quay.io/x/y:2") << "containerd's annotation wins";
}

}  // namespace
}  // namespace sbx::images
