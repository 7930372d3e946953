// docker-archive's manifest.json (`sandbox load`): what parses must write
// back (as `save` does) and parse again to the same images.
#include "fuzz_support.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/store/lookup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx;
  auto images = images::parse_docker_archive_manifest(fuzz::as_text(data, size));
  if (!images) return 0;
  auto again = images::parse_docker_archive_manifest(images::docker_archive_manifest_json(*images));
  SBX_FUZZ_CHECK(again && *again == *images);
  for (const images::DockerArchiveImage& image : *images)
    for (const std::string& tag : image.repo_tags) (void)store::canonical_tag(tag);
  return 0;
}
