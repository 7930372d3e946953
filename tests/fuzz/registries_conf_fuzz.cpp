// registries.conf as a user or a distribution writes it. Whatever the text, parsing gives a
// configuration or one error line naming the file; what it parses to resolves short names and
// pull sources without crashing, and every candidate is a valid reference.
#include "fuzz_support.hpp"
#include "sandbox/image/registries_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::image;
  std::string_view text = sbx::fuzz::as_text(data, size);
  auto conf = parse_registries_conf(text, "fuzz.conf");
  if (!conf) {
    const std::string& message = conf.error().message();
    SBX_FUZZ_CHECK(message.starts_with("fuzz.conf"));
    SBX_FUZZ_CHECK(message.find('\n') == std::string::npos);
    return 0;
  }
  RegistriesConf merged;
  merge_registries_conf(merged, std::move(*conf));
  for (std::string_view name : {"busybox", "user/app:1", "example.com/x/y", "mybox"}) {
    auto found = short_name_candidates(merged, name);
    if (!found) continue;
    for (const Reference& reference : found->references) {
      SBX_FUZZ_CHECK(parse_reference(reference.canonical()).has_value());
      auto sources = pull_sources(merged, reference);
      if (sources) SBX_FUZZ_CHECK(!sources->empty());
    }
  }
  return 0;
}
