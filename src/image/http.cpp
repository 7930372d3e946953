#include "http.hpp"

#include <curl/curl.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

#include "sandbox/image/reference.hpp"

namespace sbx::image::detail {
namespace {

constexpr size_t kMaxErrorBody = 64 << 10;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  uint64_t sent = 0;  // upload bytes handed to curl
};

// "http://127.0.0.1:5000/v2/" -> "127.0.0.1:5000"
std::string url_host(std::string_view url) {
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  return std::string(url.substr(0, url.find_first_of("/?#")));
}

bool is_success(long status) { return status >= 200 && status < 300; }

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {  // a new response (redirect or 100-continue)
    t->response->headers.clear();
    size_t space = line.find(' ');
    t->response->status = space == std::string_view::npos ? 0 : std::atol(line.data() + space + 1);
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  // Keep the first WWW-Authenticate; join others as HTTP allows.
  auto [it, inserted] = t->response->headers.emplace(name, value);
  if (!inserted && name != "www-authenticate") it->second += ", " + std::string(value);
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  HttpResponse& r = *t->response;
  if (!is_success(r.status)) {  // error documents are kept for the message only
    if (r.body.size() < kMaxErrorBody)
      r.body.append(chunk.substr(0, kMaxErrorBody - r.body.size()));
    return chunk.size();
  }
  if (t->request->on_body) {
    if (!t->request->on_body(r, chunk)) {
      r.aborted = true;
      return 0;
    }
    return chunk.size();
  }
  if (r.body.size() + chunk.size() > t->request->max_body) {
    r.body_too_large = true;
    return 0;
  }
  r.body.append(chunk);
  return chunk.size();
}

// Feeds the upload body to curl: from memory or with pread from the file.
size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const UploadBody& body = t->request->upload;
  uint64_t left = body.size - t->sent;
  size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * count));
  if (want == 0) return 0;
  if (body.fd < 0) {
    std::memcpy(buffer, body.bytes.data() + t->sent, want);
    t->sent += want;
    if (t->request->on_upload) t->request->on_upload(t->sent);
    return want;
  }
  ssize_t got = ::pread(body.fd, buffer, want, static_cast<off_t>(body.offset + t->sent));
  if (got <= 0) return CURL_READFUNC_ABORT;  // the file shrank or cannot be read
  t->sent += static_cast<uint64_t>(got);
  if (t->request->on_upload) t->request->on_upload(t->sent);
  return static_cast<size_t>(got);
}

void set_method(CURL* curl, const HttpRequest& request, Transfer& transfer) {
  if (request.method.empty() || request.method == "GET") return;
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    return;
  }
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.upload.size));
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
  if (request.method != "PUT")
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

void set_options(CURL* curl, const HttpRequest& request, const HttpOptions& options,
                 curl_slist* headers, Transfer& transfer, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
                   options.https_redirects_only ? "https" : "http,https");
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options.tls_verify ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options.tls_verify ? 2L : 0L);
  if (options.ca_bundle && !options.ca_bundle->empty()) {
    curl_blob blob{const_cast<char*>(options.ca_bundle->data()), options.ca_bundle->size(),
                   CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L << 10);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  // Layers are already compressed; never let a proxy or server re-encode.
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  // $http_proxy must not capture a registry on this machine.
  if (is_loopback_registry(url_host(request.url))) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  set_method(curl, request, transfer);
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

bool HttpResponse::transient_failure() const {
  switch (curl_code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool HttpResponse::tls_verification_failed() const {
  return curl_code == CURLE_PEER_FAILED_VERIFICATION || curl_code == CURLE_SSL_CERTPROBLEM ||
         curl_code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

bool HttpResponse::tls_handshake_failed() const { return curl_code == CURLE_SSL_CONNECT_ERROR; }

std::string HttpResponse::transport_message() const {
  if (!curl_error.empty()) return curl_error;
  return curl_easy_strerror(static_cast<CURLcode>(curl_code));
}

HttpResponse http_get(const HttpRequest& request, const HttpOptions& options) {
  init_curl_once();
  HttpResponse response;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    response.curl_code = CURLE_FAILED_INIT;
    return response;
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& h : request.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (next == nullptr) {
      response.curl_code = CURLE_OUT_OF_MEMORY;
      return response;
    }
    (void)headers.release();
    headers.reset(next);
  }
  Transfer transfer{&request, &response};
  char error_buffer[CURL_ERROR_SIZE] = {};
  set_options(curl.get(), request, options, headers.get(), transfer, error_buffer);
  std::string range;
  if (request.range_start > 0) {
    range = std::to_string(request.range_start) + "-";
    curl_easy_setopt(curl.get(), CURLOPT_RANGE, range.c_str());
  }
  CURLcode code = curl_easy_perform(curl.get());
  response.curl_code = code;
  if (code != CURLE_OK) response.curl_error = error_buffer;
  long status = 0;
  if (curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status != 0)
    response.status = status;
  return response;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace sbx::image::detail
