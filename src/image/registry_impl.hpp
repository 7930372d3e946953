// RegistryClient's state, shared by registry_client.cpp and blob_fetch.cpp.
#pragma once

#include <memory>
#include <string>

#include "http.hpp"
#include "sandbox/image/registry_client.hpp"
#include "token_auth.hpp"

namespace sbx::image {

struct RegistryClient::Impl {
  Reference reference;
  RegistryOptions options;
  detail::HttpOptions http;
  std::string base_url;  // scheme://endpoint
  std::string scope;     // repository:<path>:pull
  std::unique_ptr<detail::Authenticator> auth;
  // Which credentials were used, for access errors: "user 'bob' (from F)", "no credentials".
  std::string credentials_used = "no credentials (anonymous)";

  std::string repo_url(std::string_view kind, std::string_view id) const {
    return base_url + "/v2/" + reference.path + "/" + std::string(kind) + "/" + std::string(id);
  }
  // One request with authorization (for `scope_override` when given, else
  // `scope`); a 401 renews the token (or takes the new challenge) and tries
  // once more.
  Result<detail::HttpResponse> send(detail::HttpRequest request,
                                    const std::string* scope_override = nullptr) const;
  // send() retried with backoff on transient failures, 5xx and 429.
  Result<detail::HttpResponse> send_with_retries(const detail::HttpRequest& request,
                                                 const std::string* scope_override = nullptr) const;
  // The error for a failed response: which status, what it means, what to do.
  Error response_error(const detail::HttpResponse& response, std::string_view what) const;
  // Sleeps before retry `attempt` (exponential, jittered, honours Retry-After).
  void backoff(int attempt, const detail::HttpResponse& response) const;
};

bool retryable_status(long status);
// "MANIFEST_UNKNOWN: manifest unknown" from a registry's error document; "" when there is none.
std::string registry_error_text(std::string_view body);

}  // namespace sbx::image
