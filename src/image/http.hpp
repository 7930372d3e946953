// A thin libcurl wrapper: one easy handle per request, so requests may run
// on several threads at once (private to src/image).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sbx::image::detail {

struct HttpOptions {
  bool tls_verify = true;
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds stall_timeout{30};
  std::string user_agent;
  // Redirects may only go to https (set when the request itself is https).
  bool https_redirects_only = true;
  // PEM CA certificates to verify with instead of the system bundle (empty: system).
  std::shared_ptr<const std::string> ca_bundle;
};

struct HttpResponse;

// What an upload request sends: `size` bytes from `bytes`, or from `fd` at `offset`.
struct UploadBody {
  std::string_view bytes;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct HttpRequest {
  std::string url;
  // "GET" (empty), "HEAD" (no body is read), or a method that sends `upload`
  // ("POST", "PUT", "PATCH"; an empty upload sends Content-Length: 0).
  std::string method;
  UploadBody upload;
  // Called with the upload bytes handed over so far.
  std::function<void(uint64_t sent)> on_upload;
  std::vector<std::string> headers;  // "Accept: ...", "Authorization: ..."
  uint64_t range_start = 0;          // > 0: "Range: bytes=N-"
  // Receives the body of a 2xx response with the response so far (status,
  // headers); returning false aborts the transfer. Unset: the body is
  // collected into HttpResponse::body up to max_body.
  std::function<bool(const HttpResponse&, std::string_view)> on_body;
  size_t max_body = 1 << 20;
  // When set, a collected 2xx body of another size is retried (truncation).
  std::optional<size_t> expect_size;
};

struct HttpResponse {
  int curl_code = 0;                           // CURLE_OK when an HTTP response arrived
  std::string curl_error;                      // curl's text when curl_code != 0
  long status = 0;                             // of the last response (after redirects)
  std::map<std::string, std::string> headers;  // lower-case names, last response
  std::string body;                            // collected 2xx body, or the (capped) error body
  bool body_too_large = false;
  bool aborted = false;  // on_body returned false
  int attempts = 1;      // requests made for this answer (retries)

  bool ok() const { return curl_code == 0 && status >= 200 && status < 300; }
  std::string header(std::string_view name) const;
  // Transport failure worth retrying: time-out, reset, refused, truncated.
  bool transient_failure() const;
  // The server's certificate (or host name) did not verify.
  bool tls_verification_failed() const;
  // No TLS session at all (a plain-HTTP server answers "wrong version number").
  bool tls_handshake_failed() const;
  // "connection refused", "timed out", ... with curl's detail.
  std::string transport_message() const;
};

// Performs any request (the name is historical: GET is the common case).
HttpResponse http_get(const HttpRequest& request, const HttpOptions& options);

std::string url_encode(std::string_view text);

}  // namespace sbx::image::detail
