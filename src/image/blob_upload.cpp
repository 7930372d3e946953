// Registry HTTP API v2, the push side: HEAD for blobs the registry has,
// cross-repository mounts, monolithic and chunked uploads that go on after a
// cut connection, and manifests.
#include <fcntl.h>

#include <optional>

#include "registry_impl.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/image/upload.hpp"

namespace sbx::image {

using detail::HttpRequest;
using detail::HttpResponse;

namespace {

// An open upload session: where the next request goes and what the registry holds.
struct Session {
  std::string location;
  uint64_t received = 0;
};

// Access refused: say what was asked for and with which credentials.
Error push_error(const RegistryClient::Impl& impl, const HttpResponse& response,
                 std::string_view what) {
  if (response.curl_code != 0 || (response.status != 401 && response.status != 403))
    return impl.response_error(response, what);
  std::string detail = registry_error_text(response.body);
  std::string status = response.status == 401 ? "401 Unauthorized" : "403 Forbidden";
  const std::string& host = impl.reference.domain;
  return Error(host + ": " + status + ": push access to " + impl.reference.repository() +
                   " denied" + (detail.empty() ? "" : " (" + detail + ")") + "; tried " +
                   impl.credentials_used,
               Error::Kind::kAccessDenied)
      .with_hint(impl.auth->has_credentials()
                     ? "check that this account may push there, or " + detail::login_hint(host)
                     : detail::login_hint(host) + " (or pass --authfile)");
}

Result<Session> start_upload(const RegistryClient::Impl& impl, std::string_view what) {
  HttpRequest request{.url = impl.base_url + "/v2/" + impl.reference.path + "/blobs/uploads/",
                      .method = "POST"};
  HttpResponse response = SBX_TRY(impl.send_with_retries(request));
  if (response.status != 202) return fail(push_error(impl, response, what));
  Session session{resolve_location(impl.base_url, request.url, response.header("location"))};
  if (session.location.empty())
    return fail(impl.reference.domain + " started an upload of " + std::string(what) +
                " without a Location");
  return session;
}

// What the registry holds of an interrupted upload; nullopt: start over.
std::optional<uint64_t> upload_status(const RegistryClient::Impl& impl, Session& session) {
  auto response = impl.send(HttpRequest{.url = session.location});
  if (!response || response->status != 204) return std::nullopt;
  std::string next =
      resolve_location(impl.base_url, session.location, response->header("location"));
  if (!next.empty()) session.location = next;
  return parse_upload_range(response->header("range"));
}

struct Upload {
  const RegistryClient::Impl& impl;
  const BlobUpload& blob;
  int fd;
  const ProgressFn& progress;

  detail::UploadBody body(uint64_t start, uint64_t size) const {
    if (fd >= 0) return {.fd = fd, .offset = start, .size = size};
    return {.bytes = blob.bytes.substr(start, size), .size = size};
  }
  HttpRequest request(std::string url, std::string method, uint64_t start, uint64_t size) const {
    HttpRequest r{.url = std::move(url), .method = std::move(method), .upload = body(start, size)};
    r.headers = {"Content-Type: application/octet-stream", "Expect:"};
    if (progress)
      r.on_upload = [this, start](uint64_t sent) { progress(start + sent, blob.descriptor.size); };
    return r;
  }
  std::string digest_url(const Session& session) const {
    return with_query(session.location,
                      "digest=" + detail::url_encode(blob.descriptor.digest.str()));
  }

  // PATCHes what the session lacks (chunked) and closes it with PUT ?digest=,
  // or PUTs the whole blob at once; the last response.
  Result<HttpResponse> send(Session& session) const {
    uint64_t total = blob.descriptor.size;
    if (blob.chunk_size == 0 && session.received == 0)
      return impl.send(request(digest_url(session), "PUT", 0, total));
    for (const Chunk& chunk : plan_chunks(session.received, total, blob.chunk_size)) {
      HttpRequest patch = request(session.location, "PATCH", chunk.start, chunk.size);
      patch.headers.push_back("Content-Range: " + chunk.content_range());
      HttpResponse response = SBX_TRY(impl.send(std::move(patch)));
      if (response.status != 202) return response;
      std::string next =
          resolve_location(impl.base_url, session.location, response.header("location"));
      if (!next.empty()) session.location = next;
      session.received = chunk.start + chunk.size;
    }
    return impl.send(request(digest_url(session), "PUT", total, 0));
  }
};

Status check_pushed(const HttpResponse& response, const Digest& digest, std::string_view what) {
  std::string declared = response.header("docker-content-digest");
  if (!declared.empty() && declared != digest.str())
    return fail(std::string(what) + ": the registry stored it as " + declared);
  return {};
}

bool worth_retrying(const HttpResponse& response) {
  if (response.curl_code != 0) return response.transient_failure();
  // 416: the registry holds another amount than we thought: start over.
  return retryable_status(response.status) || response.status == 416;
}

}  // namespace

Result<bool> RegistryClient::has_blob(const Digest& digest) const {
  std::string what = "blob " + digest.str();
  HttpRequest request{.url = impl_->repo_url("blobs", digest.str()), .method = "HEAD"};
  HttpResponse response = SBX_TRY_CTX(impl_->send_with_retries(request), "check " + what);
  if (response.ok()) return true;
  if (response.curl_code == 0 && response.status == 404) return false;
  return fail(push_error(*impl_, response, what));
}

bool RegistryClient::mount_blob(const Digest& digest, std::string_view from_path) const {
  std::string scope = "repository:" + impl_->reference.path +
                      ":pull,push repository:" + std::string(from_path) + ":pull";
  std::string url = impl_->base_url + "/v2/" + impl_->reference.path + "/blobs/uploads/";
  url = with_query(url, "mount=" + detail::url_encode(digest.str()));
  url = with_query(url, "from=" + detail::url_encode(from_path));
  auto response = impl_->send_with_retries(HttpRequest{.url = url, .method = "POST"}, &scope);
  return response && response->curl_code == 0 && response->status == 201;
}

Status RegistryClient::push_blob(const BlobUpload& blob, ProgressFn progress) const {
  std::string what = "blob " + blob.descriptor.digest.str();
  UniqueFd fd;
  if (!blob.file.empty()) {
    fd.reset(::open(blob.file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail_errno("open", blob.file.native());
  } else if (blob.bytes.size() != blob.descriptor.size) {
    return fail(what + ": " + std::to_string(blob.bytes.size()) +
                " bytes given, the descriptor says " + std::to_string(blob.descriptor.size));
  }
  Upload upload{*impl_, blob, fd.get(), progress};
  std::optional<Session> session;
  for (int attempt = 0;; ++attempt) {
    if (!session) session = SBX_TRY_CTX(start_upload(*impl_, what), "push " + what);
    HttpResponse response = SBX_TRY_CTX(upload.send(*session), "push " + what);
    response.attempts = attempt + 1;
    if (response.status == 201 && response.curl_code == 0)
      return check_pushed(response, blob.descriptor.digest, "push " + what);
    if (!worth_retrying(response) || attempt + 1 >= impl_->options.max_attempts)
      return fail(push_error(*impl_, response, what).context("push " + what));
    impl_->backoff(attempt, response);
    // Go on from what the registry holds when it can say; else a new upload.
    std::optional<uint64_t> held;
    if (blob.chunk_size > 0) held = upload_status(*impl_, *session);
    if (held && *held <= blob.descriptor.size)
      session->received = *held;
    else
      session.reset();
  }
}

Result<Digest> RegistryClient::push_manifest(std::string_view tag_or_digest,
                                             std::string_view media_type,
                                             std::string_view body) const {
  std::string what = "manifest " + impl_->reference.repository() + ":" + std::string(tag_or_digest);
  HttpRequest request{.url = impl_->repo_url("manifests", tag_or_digest),
                      .method = "PUT",
                      .upload = {.bytes = body, .size = body.size()}};
  request.headers = {"Content-Type: " + std::string(media_type), "Expect:"};
  HttpResponse response = SBX_TRY_CTX(impl_->send_with_retries(request), "push " + what);
  if (response.status != 201 || response.curl_code != 0)
    return fail(push_error(*impl_, response, what).context("push " + what));
  Digest digest = sha256_of(body);
  SBX_TRY(check_pushed(response, digest, "push " + what));
  return digest;
}

}  // namespace sbx::image
