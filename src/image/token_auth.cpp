// Docker registry token flow: GET realm?service=...&scope=..., anonymous or
// with Basic credentials, answered by {"token"|"access_token", "expires_in"}.
#include "token_auth.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox/image/reference.hpp"

namespace sbx::image::detail {
namespace {

// Docker treats shorter lifetimes as 60 s; renew a little early. A pull is
// over long before a day, and a longer "expires_in" (up to 2^63 s) would
// overflow the expiry time.
constexpr std::chrono::seconds kMinTokenLifetime{60};
constexpr std::chrono::seconds kMaxTokenLifetime{24 * 3600};
constexpr std::chrono::seconds kRenewMargin{10};
constexpr int kTokenAttempts = 3;

std::string realm_host(const std::string& realm) {
  std::string_view rest = realm;
  size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

}  // namespace

std::string login_hint(std::string_view host) {
  return "run 'sandbox login " + std::string(host) + "'";
}

bool Authenticator::challenged() const {
  std::lock_guard lock(mutex_);
  return !scheme_.empty();
}

Status Authenticator::set_challenge(std::string_view www_authenticate) {
  auto challenges = SBX_TRY_CTX(parse_www_authenticate(www_authenticate), "registry " + host_);
  const Challenge* chosen = nullptr;
  for (const auto& c : challenges)
    if (c.scheme == "bearer") chosen = &c;
  for (const auto& c : challenges)
    if (chosen == nullptr && c.scheme == "basic") chosen = &c;
  if (chosen == nullptr)
    return fail("registry " + host_ + " asks for an unsupported auth scheme '" +
                challenges.front().scheme + "'");
  std::lock_guard lock(mutex_);
  if (chosen->scheme == "bearer") {
    std::string realm = chosen->param("realm");
    if (realm.empty()) return fail("registry " + host_ + " sent a Bearer challenge without realm");
    SBX_TRY(check_realm(realm));
    if (realm != realm_ || chosen->param("service") != service_) tokens_.clear();
    realm_ = realm;
    service_ = chosen->param("service");
  }
  scheme_ = chosen->scheme;
  return {};
}

// Credentials must not travel in clear text to a remote token server.
Status Authenticator::check_realm(const std::string& realm) const {
  if (realm.starts_with("https://")) return {};
  if (realm.starts_with("http://") &&
      (is_loopback_registry(realm_host(realm)) || !http_.tls_verify))
    return {};
  return fail(Error("registry " + host_ + " names an insecure token server '" + realm + "'")
                  .with_hint("use --tls-verify=false only if you trust the network"));
}

Result<std::string> Authenticator::authorization(const std::string& scope, bool renew) {
  std::lock_guard lock(mutex_);
  if (scheme_.empty()) return std::string();
  if (scheme_ == "basic") {
    if (!credentials_)
      return fail(Error("registry " + host_ + " requires a login (HTTP Basic)")
                      .with_hint(login_hint(host_)));
    return "Authorization: " + basic_authorization(*credentials_);
  }
  auto now = std::chrono::steady_clock::now();
  auto it = tokens_.find(scope);
  if (renew && it != tokens_.end()) {
    tokens_.erase(it);
    it = tokens_.end();
  }
  if (it == tokens_.end() || it->second.expires <= now) {
    Token token = SBX_TRY(fetch_token(scope));
    it = tokens_.insert_or_assign(scope, std::move(token)).first;
  }
  return "Authorization: Bearer " + it->second.value;
}

Result<Authenticator::Token> Authenticator::fetch_token(const std::string& scope) {
  HttpRequest request;
  request.url = realm_ + (realm_.find('?') == std::string::npos ? "?" : "&");
  std::vector<std::string> query;
  if (!service_.empty()) query.push_back("service=" + url_encode(service_));
  // Several scopes (a cross-repository mount) are separated by spaces: one parameter each.
  for (size_t at = 0; at < scope.size();) {
    size_t end = std::min(scope.find(' ', at), scope.size());
    if (end > at) query.push_back("scope=" + url_encode(scope.substr(at, end - at)));
    at = end + 1;
  }
  if (credentials_) {
    query.push_back("account=" + url_encode(credentials_->username));
    request.headers.push_back("Authorization: " + basic_authorization(*credentials_));
  }
  for (size_t i = 0; i < query.size(); ++i) request.url += (i ? "&" : "") + query[i];
  request.max_body = 1 << 20;
  HttpOptions http = http_;
  http.https_redirects_only = realm_.starts_with("https://");
  HttpResponse response;
  for (int attempt = 1;; ++attempt) {  // a token server hiccup should not fail a pull
    response = http_get(request, http);
    bool transient = response.curl_code != 0 ? response.transient_failure()
                                             : response.status >= 500 || response.status == 429;
    if (!transient || attempt >= kTokenAttempts) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
  if (response.curl_code != 0)
    return fail("cannot reach the token server " + realm_ + " of " + host_ + ": " +
                response.transport_message());
  if (response.status == 401 || response.status == 403) {
    if (credentials_)
      return fail(Error("login to " + host_ + " failed: the token server refused user '" +
                            credentials_->username + "' (HTTP " + std::to_string(response.status) +
                            ")",
                        Error::Kind::kAccessDenied)
                      .with_hint("check the username and password: " + login_hint(host_)));
    return fail(Error("registry " + host_ + " refused anonymous access (token server HTTP " +
                      std::to_string(response.status) + ")")
                    .with_hint(login_hint(host_)));
  }
  if (!response.ok())
    return fail("token server " + realm_ + " answered HTTP " + std::to_string(response.status));
  TokenAnswer answer = SBX_TRY_CTX(parse_token_answer(response.body), "token server " + realm_);
  return Token{std::move(answer.token),
               std::chrono::steady_clock::now() + answer.lifetime - kRenewMargin};
}

Result<TokenAnswer> parse_token_answer(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("the answer is not a JSON object");
  TokenAnswer answer{{}, kMinTokenLifetime};
  for (const char* key : {"token", "access_token"})
    if (auto f = doc.find(key); answer.token.empty() && f != doc.end() && f->is_string())
      answer.token = f->get<std::string>();
  if (answer.token.empty()) return fail("the answer holds no token");
  if (auto f = doc.find("expires_in"); f != doc.end() && f->is_number_integer())
    answer.lifetime =
        std::clamp(std::chrono::seconds(f->get<int64_t>()), kMinTokenLifetime, kMaxTokenLifetime);
  return answer;
}

}  // namespace sbx::image::detail
