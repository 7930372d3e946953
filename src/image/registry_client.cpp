// Registry HTTP API v2: ping and auth, manifests and small blobs.
// (Streaming blob downloads are in blob_fetch.cpp.)
#include "sandbox/image/registry_client.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <tuple>

#include "registry_impl.hpp"
#include "tls_trust.hpp"

namespace sbx::image {
namespace {

using detail::HttpRequest;
using detail::HttpResponse;

Result<std::unique_ptr<RegistryClient::Impl>> connect(const Reference& reference,
                                                      RegistryOptions options, std::string scope);

}  // namespace

std::string registry_error_text(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("errors") ||
      !doc["errors"].is_array() || doc["errors"].empty())
    return {};
  const auto& first = doc["errors"][0];
  std::string out;
  if (first.is_object()) {
    if (auto c = first.find("code"); c != first.end() && c->is_string())
      out = c->get<std::string>();
    if (auto m = first.find("message"); m != first.end() && m->is_string())
      out += (out.empty() ? "" : ": ") + m->get<std::string>();
  }
  return out;
}

bool retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

void RegistryClient::Impl::backoff(int attempt, const HttpResponse& response) const {
  auto delay = options.initial_backoff * (1 << std::min(attempt, 5));
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::seconds(5));
  // A registry that says when to come back (429, 503) is believed, up to a point.
  std::string retry_after = response.header("retry-after");
  if (!retry_after.empty() && std::all_of(retry_after.begin(), retry_after.end(),
                                          [](char c) { return c >= '0' && c <= '9'; })) {
    auto asked = std::chrono::seconds(std::min(std::stol(retry_after.substr(0, 6)), 10L));
    delay = std::max<std::chrono::milliseconds>(delay, asked);
  }
  thread_local std::minstd_rand jitter(std::random_device{}());
  auto extra = std::chrono::milliseconds(jitter() % (delay.count() / 4 + 1));
  std::this_thread::sleep_for(delay + extra);
}

Result<HttpResponse> RegistryClient::Impl::send(HttpRequest request,
                                                const std::string* scope_override) const {
  const std::string& wanted = scope_override ? *scope_override : scope;
  std::string authorization = SBX_TRY(auth->authorization(wanted));
  size_t fixed_headers = request.headers.size();
  if (!authorization.empty()) request.headers.push_back(authorization);
  HttpResponse response = detail::http_get(request, http);
  if (response.curl_code != 0 || response.status != 401) return response;
  std::string challenge = response.header("www-authenticate");
  if (!challenge.empty()) SBX_TRY(auth->set_challenge(challenge));
  if (!auth->challenged()) return response;
  authorization = SBX_TRY(auth->authorization(wanted, /*renew=*/true));
  request.headers.resize(fixed_headers);
  request.headers.push_back(authorization);
  return detail::http_get(request, http);
}

Result<HttpResponse> RegistryClient::Impl::send_with_retries(
    const HttpRequest& request, const std::string* scope_override) const {
  for (int attempt = 0;; ++attempt) {
    HttpResponse response = SBX_TRY(send(request, scope_override));
    response.attempts = attempt + 1;
    bool retry =
        response.curl_code != 0 ? response.transient_failure() : retryable_status(response.status);
    // A 2xx body cut short by a lying Content-Length is worth another try too.
    if (response.ok() && request.expect_size && response.body.size() != *request.expect_size)
      retry = true;
    if (!retry || attempt + 1 >= options.max_attempts) return response;
    backoff(attempt, response);
  }
}

Error RegistryClient::Impl::response_error(const HttpResponse& response,
                                           std::string_view what) const {
  const std::string& host = reference.domain;
  std::string tries = response.attempts > 1
                          ? " (gave up after " + std::to_string(response.attempts) + " attempts)"
                          : "";
  if (response.curl_code != 0)
    return Error("cannot reach registry " + host + " (" + base_url +
                 "): " + response.transport_message() + tries)
        .with_hint("check the registry address and that it is running");
  std::string detail = registry_error_text(response.body);
  std::string suffix = (detail.empty() ? "" : " (" + detail + ")") + tries;
  std::string repo = reference.repository();
  switch (response.status) {
    case 401:
      return Error(host + ": 401 Unauthorized: pull access denied for " + repo + suffix)
          .with_hint(auth->has_credentials()
                         ? "check the credentials: " + detail::login_hint(host)
                         : "log in if the repository is private: " + detail::login_hint(host) +
                               "; otherwise check the name");
    case 403:
      return Error(host + ": 403 Forbidden: no permission to pull " + repo + suffix)
          .with_hint("check that your account may pull this repository");
    case 404:
      return Error(std::string(what) +
                   (what.find(repo) == std::string_view::npos ? " not found in " + repo
                                                              : std::string(" not found")) +
                   " (404" + (detail.empty() ? "" : " " + detail) + ")" + tries)
          .with_hint("check the name and the tag or digest");
    case 429:
      return Error(host + ": 429 Too Many Requests" + suffix)
          .with_hint("wait a while and try again (logging in may raise the limit)");
    default:
      return Error(host + ": HTTP " + std::to_string(response.status) + " for " +
                   std::string(what) + suffix);
  }
}

const std::vector<std::string>& default_manifest_accept() {
  static const std::vector<std::string> kAccept = {
      std::string(media_type::kOciIndex), std::string(media_type::kDockerManifestList),
      std::string(media_type::kOciManifest), std::string(media_type::kDockerManifest)};
  return kAccept;
}

namespace {

Status ping(RegistryClient::Impl& impl) {
  std::string endpoint = registry_endpoint(impl.reference.domain);
  bool http_allowed = is_loopback_registry(impl.reference.domain) || !impl.options.tls_verify;
  impl.base_url = "https://" + endpoint;
  HttpRequest request{.url = impl.base_url + "/v2/"};
  HttpResponse response;
  bool use_http = false;
  HttpResponse https_response;
  if (http_allowed) {  // https first, as docker does for insecure registries
    response = https_response = detail::http_get(request, impl.http);
    use_http = response.curl_code != 0;
    if (use_http) {
      impl.base_url = "http://" + endpoint;
      impl.http.https_redirects_only = false;
      request.url = impl.base_url + "/v2/";
    }
  }
  if (!http_allowed || use_http) {
    for (int attempt = 0;; ++attempt) {
      response = detail::http_get(request, impl.http);
      response.attempts = attempt + 1;
      bool retry = response.curl_code != 0 ? response.transient_failure()
                                           : retryable_status(response.status);
      if (!retry || attempt + 1 >= impl.options.max_attempts) break;
      impl.backoff(attempt, response);
    }
  }
  bool registry_answered = response.curl_code == 0 && (response.ok() || response.status == 401);
  if (!registry_answered && https_response.tls_verification_failed())
    response = https_response;  // a TLS server we do not trust: say that, not http's failure
  if (response.tls_verification_failed())
    return fail(Error("the TLS certificate of registry " + impl.reference.domain +
                      " is not trusted: " + response.transport_message())
                    .with_hint("put its CA certificate in ~/.config/containers/certs.d/" +
                               registry_endpoint(impl.reference.domain) +
                               "/ca.crt, or use --tls-verify=false if you trust the network"));
  if (!http_allowed && response.tls_handshake_failed())
    return fail(impl.response_error(response, "/v2/")
                    .with_hint("if " + impl.reference.domain +
                               " serves plain HTTP: --tls-verify=false, or `insecure = true` "
                               "for it in registries.conf"));
  if (response.curl_code != 0) return fail(impl.response_error(response, "/v2/"));
  if (response.status == 401) {
    std::string challenge = response.header("www-authenticate");
    if (challenge.empty())
      return fail("registry " + impl.reference.domain + " answered 401 without a challenge");
    return impl.auth->set_challenge(challenge);
  }
  if (response.ok()) return {};
  if (response.status == 404)
    return fail(Error(impl.base_url + " does not serve the registry API v2 (/v2/ answered 404)")
                    .with_hint("check the registry address"));
  return fail(impl.response_error(response, "/v2/"));
}

// The credentials for `domain` and where they came from ("from FILE"): each
// file in the order lookup_credentials reads them.
Result<std::pair<std::optional<Credentials>, std::string>> find_credentials(
    const std::string& domain, const AuthFiles& files) {
  std::vector<std::filesystem::path> order{files.login_file};
  order.insert(order.end(), files.read_files.begin(), files.read_files.end());
  for (const std::filesystem::path& file : order) {
    if (file.empty()) continue;
    if (auto found = SBX_TRY(lookup_credentials(domain, auth_file_only(file))))
      return std::pair{found, "from " + file.string()};
  }
  return std::pair{std::optional<Credentials>(), std::string()};
}

Result<std::unique_ptr<RegistryClient::Impl>> connect(const Reference& reference,
                                                      RegistryOptions options, std::string scope) {
  auto impl = std::make_unique<RegistryClient::Impl>();
  impl->reference = reference;
  impl->http = {.tls_verify = options.tls_verify,
                .connect_timeout = options.connect_timeout,
                .stall_timeout = options.stall_timeout,
                .user_agent = options.user_agent};
  impl->scope = std::move(scope);
  impl->http.ca_bundle = std::make_shared<const std::string>(
      detail::registry_ca_bundle(registry_endpoint(reference.domain)));
  std::optional<Credentials> credentials = options.credentials;
  std::string source = "given";
  if (!credentials) {
    std::optional<AuthFiles> files = options.auth_files;
    if (!files)
      if (auto defaults = default_auth_files()) files = *defaults;
    if (files) std::tie(credentials, source) = SBX_TRY(find_credentials(reference.domain, *files));
  }
  if (credentials) impl->credentials_used = "user '" + credentials->username + "' (" + source + ")";
  impl->options = std::move(options);
  impl->auth =
      std::make_unique<detail::Authenticator>(reference.domain, std::move(credentials), impl->http);
  SBX_TRY(ping(*impl));
  return impl;
}

}  // namespace

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryClient::RegistryClient(RegistryClient&&) noexcept = default;
RegistryClient& RegistryClient::operator=(RegistryClient&&) noexcept = default;
RegistryClient::~RegistryClient() = default;

const std::string& RegistryClient::base_url() const { return impl_->base_url; }
const Reference& RegistryClient::reference() const { return impl_->reference; }

Result<RegistryClient> RegistryClient::create(const Reference& reference, RegistryOptions options) {
  // Errors here already name the registry.
  std::string scope = "repository:" + reference.path + (options.push ? ":pull,push" : ":pull");
  auto impl = SBX_TRY(connect(reference, std::move(options), std::move(scope)));
  return RegistryClient(std::move(impl));
}

Result<FetchedManifest> RegistryClient::fetch_manifest(
    std::string_view tag_or_digest, const std::vector<std::string>& accept) const {
  bool by_digest = tag_or_digest.find(':') != std::string_view::npos;  // tags never hold ':'
  std::string what = "manifest " + impl_->reference.repository() + (by_digest ? "@" : ":") +
                     std::string(tag_or_digest);
  std::optional<Digest> wanted;
  if (by_digest) wanted = SBX_TRY_CTX(Digest::parse(tag_or_digest), "fetch " + what);
  HttpRequest request{.url = impl_->repo_url("manifests", tag_or_digest),
                      .max_body = kMaxManifestBytes};
  std::string accept_header = "Accept: ";
  for (size_t i = 0; i < accept.size(); ++i) accept_header += (i ? ", " : "") + accept[i];
  request.headers.push_back(accept_header);
  HttpResponse response = SBX_TRY_CTX(impl_->send_with_retries(request), "fetch " + what);
  if (response.body_too_large)
    return fail(what + " is larger than the " + std::to_string(kMaxManifestBytes >> 20) +
                " MiB limit");
  if (!response.ok()) return fail(impl_->response_error(response, what));
  FetchedManifest out{.body = std::move(response.body),
                      .media_type = std::string(strip_parameters(response.header("content-type")))};
  out.digest = sha256_of(out.body);
  if (wanted && *wanted != out.digest)
    return fail(what + ": digest mismatch: the registry sent content with digest " +
                out.digest.str());
  std::string declared = response.header("docker-content-digest");
  if (declared.starts_with("sha256:") && declared != out.digest.str())
    return fail(what + ": Docker-Content-Digest " + declared +
                " does not match the content's digest " + out.digest.str());
  return out;
}

Result<std::string> RegistryClient::fetch_blob_bytes(const Descriptor& descriptor,
                                                     size_t max_bytes) const {
  std::string what = "blob " + descriptor.digest.str();
  if (descriptor.size > max_bytes)
    return fail(what + " is too large to read into memory (" + std::to_string(descriptor.size) +
                " bytes, limit " + std::to_string(max_bytes) + ")");
  HttpRequest request{.url = impl_->repo_url("blobs", descriptor.digest.str()),
                      .max_body = static_cast<size_t>(descriptor.size),
                      .expect_size = static_cast<size_t>(descriptor.size)};
  HttpResponse response = SBX_TRY_CTX(impl_->send_with_retries(request), "fetch " + what);
  if (response.body_too_large)
    return fail(what + " is larger than its descriptor says (" + std::to_string(descriptor.size) +
                " bytes)");
  if (!response.ok()) return fail(impl_->response_error(response, what));
  if (response.body.size() != descriptor.size)
    return fail(what + " is truncated: got " + std::to_string(response.body.size()) + " of " +
                std::to_string(descriptor.size) + " bytes");
  Digest got = sha256_of(response.body);
  if (got != descriptor.digest)
    return fail(what + ": digest mismatch (the content hashes to " + got.str() + ")");
  return std::move(response.body);
}

Status login(std::string_view host, const Credentials& credentials,
             const RegistryOptions& options) {
  std::string domain = normalize_registry_host(host);
  if (domain.empty()) return fail("login: no registry given");
  RegistryOptions with_credentials = options;
  with_credentials.credentials = credentials;
  Reference reference{.domain = domain};
  auto impl =
      SBX_TRY_CTX(connect(reference, std::move(with_credentials), ""), "login to " + domain);
  auto checked = impl->send(HttpRequest{.url = impl->base_url + "/v2/"});
  bool refused = !checked && checked.error().kind() == Error::Kind::kAccessDenied;
  if (!checked && !refused) return fail(std::move(checked.error()).context("login to " + domain));
  HttpResponse response = checked ? std::move(*checked) : HttpResponse{};
  if (refused || response.status == 401)
    return fail(Error("login to " + domain + " failed: incorrect username or password")
                    .with_hint("check the username and password"));
  if (!response.ok())
    return fail(std::move(impl->response_error(response, "/v2/")).context("login to " + domain));
  AuthFiles files = options.auth_files ? *options.auth_files : SBX_TRY(default_auth_files());
  return store_credentials(domain, credentials, files);
}

Status logout(std::string_view host, const RegistryOptions& options) {
  std::string domain = normalize_registry_host(host);
  AuthFiles files = options.auth_files ? *options.auth_files : SBX_TRY(default_auth_files());
  bool removed = SBX_TRY_CTX(remove_credentials(domain, files), "logout from " + domain);
  if (!removed) return fail("not logged in to " + domain);
  return {};
}

}  // namespace sbx::image
