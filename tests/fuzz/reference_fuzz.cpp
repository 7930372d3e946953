// Image references as users and image archives give them (`sandbox pull X`,
// RepoTags, index.json ref names). A parsed reference must print back to the
// same reference in its canonical and familiar forms, and in the display form
// `images` shows and `save` writes.
#include "fuzz_support.hpp"
#include "sandbox/image/reference.hpp"
#include "sandbox/store/lookup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::image;
  std::string_view text = sbx::fuzz::as_text(data, size);
  (void)normalize_registry_host(text);
  (void)is_loopback_registry(text);
  (void)registry_endpoint(text);

  auto reference = parse_reference(text);
  if (!reference) {
    SBX_FUZZ_CHECK(!reference.error().message().empty());
    return 0;
  }
  SBX_FUZZ_CHECK(!reference->domain.empty() && !reference->path.empty());
  SBX_FUZZ_CHECK(!reference->manifest_reference().empty());
  auto canonical = parse_reference(reference->canonical());
  SBX_FUZZ_CHECK(canonical && *canonical == *reference);
  auto familiar = parse_reference(reference->familiar());
  SBX_FUZZ_CHECK(familiar && *familiar == *reference);
  auto shown = parse_reference(sbx::store::display_name(reference->canonical()).repository + ":x");
  SBX_FUZZ_CHECK(shown && shown->repository() == reference->repository());
  return 0;
}
