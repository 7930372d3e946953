// Manifests and indexes as registries and image archives serve them: every
// parser over the same bytes, with each Content-Type a registry may send, and
// the platform choice over a parsed index.
#include <array>

#include "fuzz_support.hpp"
#include "sandbox/image/manifest.hpp"

namespace {

using namespace sbx::image;

constexpr std::array<std::string_view, 5> kContentTypes = {
    "",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/json",
};

void check_manifest(const ImageManifest& manifest) {
  SBX_FUZZ_CHECK(is_manifest_media_type(manifest.media_type));
  SBX_FUZZ_CHECK(is_config_media_type(manifest.config.media_type));
  SBX_FUZZ_CHECK(!manifest.config.digest.empty());
  for (const Descriptor& layer : manifest.layers) {
    SBX_FUZZ_CHECK(layer_compression(layer.media_type).has_value());
    SBX_FUZZ_CHECK(!layer.digest.empty());
  }
}

void choose_platforms(const ImageIndex& index) {
  SBX_FUZZ_CHECK(is_index_media_type(index.media_type));
  for (std::string_view wanted : {"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386"}) {
    auto chosen = select_manifest(index, *parse_platform(wanted));
    if (chosen) SBX_FUZZ_CHECK(chosen->platform.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = sbx::fuzz::as_text(data, size);
  auto index = parse_index(body);
  if (index) choose_platforms(*index);
  auto manifest = parse_manifest(body);
  if (manifest) check_manifest(*manifest);
  for (std::string_view content_type : kContentTypes) {
    auto any = parse_any_manifest(body, content_type);
    if (!any) continue;
    if (auto* as_index = std::get_if<ImageIndex>(&*any)) choose_platforms(*as_index);
    if (auto* as_manifest = std::get_if<ImageManifest>(&*any)) check_manifest(*as_manifest);
  }
  return 0;
}
