// Registry HTTP API v2 client (libcurl stays in src/): ping, Bearer/Basic
// auth, manifests, and verified, resumable blob downloads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/auth.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/image/reference.hpp"

namespace sbx::image {

struct RegistryOptions {
  // false also allows plain HTTP to non-loopback registries (after https fails).
  bool tls_verify = true;
  // Explicit credentials; when unset they are looked up in `auth_files`.
  std::optional<Credentials> credentials;
  // Where to look credentials up; unset = default_auth_files().
  std::optional<AuthFiles> auth_files;
  // Attempts per request on 5xx, resets and time-outs (with backoff).
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::seconds connect_timeout{15};
  // A transfer slower than 1 byte/s for this long counts as a time-out.
  std::chrono::seconds stall_timeout{30};
  std::string user_agent = "sandbox/0.1";
  // Ask for push access too (tokens scoped "repository:<path>:pull,push").
  bool push = false;
};

// Media types asked for by default: OCI and Docker index/manifest.
const std::vector<std::string>& default_manifest_accept();

struct FetchedManifest {
  std::string body;
  std::string media_type;  // Content-Type (parameters stripped)
  Digest digest;           // sha256 of body (checked against the digest asked for
                           // and Docker-Content-Digest when present)
};

// (bytes done, bytes total)
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// A blob to upload: `descriptor.size` bytes of `file`, or `bytes` when `file` is empty.
struct BlobUpload {
  Descriptor descriptor;
  std::filesystem::path file;
  std::string_view bytes;
  // 0: one monolithic PUT; else PATCH chunks of this size, then PUT ?digest=.
  uint64_t chunk_size = 0;
};

class RegistryClient {
 public:
  // Pings https://<endpoint>/v2/; a loopback registry, or any registry when
  // tls_verify is false, falls back to http:// when https does not answer.
  // Credentials: options.credentials, else lookup_credentials(). Extra CA
  // certificates come from containers/docker certs.d/<host>/*.crt.
  static Result<RegistryClient> create(const Reference& reference, RegistryOptions options = {});

  RegistryClient(RegistryClient&&) noexcept;
  RegistryClient& operator=(RegistryClient&&) noexcept;
  ~RegistryClient();

  // GET /v2/<path>/manifests/<tag_or_digest>, capped at kMaxManifestBytes.
  Result<FetchedManifest> fetch_manifest(
      std::string_view tag_or_digest,
      const std::vector<std::string>& accept = default_manifest_accept()) const;

  // Small blobs (configs) into memory, verified against size and digest.
  Result<std::string> fetch_blob_bytes(const Descriptor& descriptor,
                                       size_t max_bytes = kMaxConfigBytes) const;

  // Streams the blob into `dest` + ".partial" while hashing, resuming a
  // leftover partial with a Range request (starting over once if the result
  // does not verify), retrying transient failures; refuses more bytes than
  // the descriptor's size; verifies size and digest, fsyncs and renames to
  // `dest`. On a mismatch the partial is deleted and the error names the
  // digest. An existing `dest` counts as done (only verified content is ever
  // renamed there). Safe from several threads and processes at once (the
  // partial is flocked).
  Status fetch_blob(const Descriptor& descriptor, const std::filesystem::path& dest,
                    ProgressFn progress = {}) const;

  // ---- push (create with RegistryOptions::push; blob_upload.cpp)
  // HEAD /v2/<path>/blobs/<digest>: whether the repository has the blob.
  Result<bool> has_blob(const Digest& digest) const;
  // POST /v2/<path>/blobs/uploads/?mount=<digest>&from=<from_path>: true when
  // the registry linked the blob from the other repository (201); false for
  // any other answer (a mount only saves an upload).
  bool mount_blob(const Digest& digest, std::string_view from_path) const;
  // POST an upload, then one PUT ?digest= with the bytes, or PATCH chunks
  // (Content-Range) and a closing PUT. A transfer that fails part way goes on
  // from what the registry reports it holds (GET of the upload's Range), or
  // starts a new upload; 401/403 errors name the credentials tried.
  Status push_blob(const BlobUpload& blob, ProgressFn progress = {}) const;
  // PUT /v2/<path>/manifests/<tag_or_digest>; the digest of `body`, checked
  // against the registry's Docker-Content-Digest.
  Result<Digest> push_manifest(std::string_view tag_or_digest, std::string_view media_type,
                               std::string_view body) const;

  // "https://registry-1.docker.io" or "http://127.0.0.1:5000"
  const std::string& base_url() const;
  const Reference& reference() const;

  // Opaque; named here only so the implementation files can share it.
  struct Impl;

 private:
  explicit RegistryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `sandbox login`: checks the credentials against the registry (token endpoint
// or Basic) and stores them; `host` as the user typed it.
Status login(std::string_view host, const Credentials& credentials,
             const RegistryOptions& options = {});
// `sandbox logout`: removes stored credentials; error when there were none.
Status logout(std::string_view host, const RegistryOptions& options = {});

}  // namespace sbx::image
