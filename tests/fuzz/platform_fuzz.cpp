// `--platform os/arch[/variant]` and the platforms an image may be taken from.
#include "fuzz_support.hpp"
#include "sandbox/image/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::image;
  auto platform = parse_platform(sbx::fuzz::as_text(data, size));
  if (!platform) return 0;
  SBX_FUZZ_CHECK(normalize_platform(*platform) == *platform);
  std::vector<Platform> compatible = compatible_platforms(*platform);
  // The best match is the platform itself; the fallbacks are a short list.
  SBX_FUZZ_CHECK(!compatible.empty() && compatible.front() == *platform);
  SBX_FUZZ_CHECK(compatible.size() <= 128);
  return 0;
}
