// Registry authorization state: the challenge from /v2/, Basic credentials,
// and Bearer tokens cached per scope (thread-safe; private to src/image).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "http.hpp"
#include "sandbox/base/error.hpp"
#include "sandbox/image/auth.hpp"

namespace sbx::image::detail {

class Authenticator {
 public:
  Authenticator(std::string host, std::optional<Credentials> credentials, HttpOptions http)
      : host_(std::move(host)), credentials_(std::move(credentials)), http_(std::move(http)) {}

  // Takes the challenge of a 401 response (WWW-Authenticate value).
  Status set_challenge(std::string_view www_authenticate);
  // The Authorization header for `scope` ("" when no challenge was seen).
  // `renew` drops a cached token first (the registry refused it).
  Result<std::string> authorization(const std::string& scope, bool renew = false);

  bool has_credentials() const { return credentials_.has_value(); }
  bool challenged() const;
  const std::string& host() const { return host_; }

 private:
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  Result<Token> fetch_token(const std::string& scope);
  Status check_realm(const std::string& realm) const;

  std::string host_;
  std::optional<Credentials> credentials_;
  HttpOptions http_;
  mutable std::mutex mutex_;
  std::string scheme_;  // "", "basic", "bearer"
  std::string realm_;
  std::string service_;
  std::map<std::string, Token> tokens_;
};

// A token server's answer: {"token"|"access_token": ..., "expires_in": seconds}.
struct TokenAnswer {
  std::string token;
  std::chrono::seconds lifetime;  // at least a minute (as docker), at most a day
};
// Errors say what is wrong with the answer ("the answer holds no token"); the caller names
// the server.
Result<TokenAnswer> parse_token_answer(std::string_view body);

// "run 'sandbox login HOST'"
std::string login_hint(std::string_view host);

}  // namespace sbx::image::detail
