// WWW-Authenticate headers of registries (any server a pull is pointed at):
// the parser, the challenge choice of the token flow, and base64 (stored
// credentials, Basic auth) on the same bytes.
#include "fuzz_support.hpp"
#include "sandbox/image/auth.hpp"
#include "token_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::image;
  std::string_view text = sbx::fuzz::as_text(data, size);
  auto challenges = parse_www_authenticate(text);
  if (challenges) {
    SBX_FUZZ_CHECK(!challenges->empty());
    for (const Challenge& challenge : *challenges) {
      SBX_FUZZ_CHECK(!challenge.scheme.empty());
      (void)challenge.param("realm");
    }
    // No request is made: set_challenge only checks and keeps the challenge.
    detail::Authenticator auth("registry.example", std::nullopt, detail::HttpOptions{});
    if (auth.set_challenge(text)) SBX_FUZZ_CHECK(auth.challenged());
  }

  std::string encoded = base64_encode(text);
  auto decoded = base64_decode(encoded);
  SBX_FUZZ_CHECK(decoded && *decoded == text);
  (void)base64_decode(text);
  return 0;
}
