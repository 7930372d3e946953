// docker-archive's manifest.json (`sandbox load`): what parses must write
// back (as `save` does) and parse again to the same images.
#include "fuzz_support.hpp"
#include "sandbox/runtime/archive_formats.hpp"
#include "sandbox/store/lookup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx;
  auto images = runtime::parse_docker_archive_manifest(fuzz::as_text(data, size));
  if (!images) return 0;
  auto again =
      runtime::parse_docker_archive_manifest(runtime::docker_archive_manifest_json(*images));
  SBX_FUZZ_CHECK(again && *again == *images);
  for (const runtime::DockerArchiveImage& image : *images)
    for (const std::string& tag : image.repo_tags) (void)store::canonical_tag(tag);
  return 0;
}
