// What a registry or its token server sends back as JSON: error documents
// ({"errors": [{"code", "message"}]}) and token answers.
#include "fuzz_support.hpp"
#include "registry_impl.hpp"
#include "token_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::image;
  std::string_view body = sbx::fuzz::as_text(data, size);
  (void)registry_error_text(body);
  auto answer = detail::parse_token_answer(body);
  if (answer) {
    SBX_FUZZ_CHECK(!answer->token.empty());
    // As the token cache uses it: the expiry must be a time, not an overflow.
    auto expires = std::chrono::steady_clock::now() + answer->lifetime;
    SBX_FUZZ_CHECK(expires > std::chrono::steady_clock::now());
  }
  return 0;
}
