// Image references as docker parses them (github.com/distribution/reference):
// `busybox` is docker.io/library/busybox:latest, `127.0.0.1:5000/x/y:tag`,
// `name@sha256:<hex>`, `name:tag@sha256:<hex>`.
#pragma once

#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::image {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kOfficialRepoPrefix = "library/";
inline constexpr std::string_view kDefaultTag = "latest";
// Repository path limit from distribution/reference (RepositoryNameTotalLengthMax).
inline constexpr size_t kMaxNameLength = 255;

struct Reference {
  std::string domain;  // "docker.io", "127.0.0.1:5000", "localhost"
  std::string path;    // "library/busybox", "x/y"
  std::string tag;     // "latest" when neither tag nor digest was given; may be empty
  std::string digest;  // "sha256:<64 hex>" or empty

  // docker.io/library/busybox
  std::string repository() const;
  // docker.io/library/busybox:latest, docker.io/library/busybox@sha256:...,
  // docker.io/library/busybox:1.36@sha256:...
  std::string canonical() const;
  // As docker shows it: busybox:latest, user/app:1, 127.0.0.1:5000/x/y@sha256:...
  // Unlike docker, docker.io/ stays where dropping it would name another
  // registry (docker.io/example.com/app) or repository (docker.io/library/a/b
  // is not a/b): the familiar form always parses back to this reference.
  std::string familiar() const;
  // familiar() without tag and digest: busybox, user/app, 127.0.0.1:5000/x/y.
  std::string familiar_repository() const;
  // What to ask the registry's manifest endpoint for: the digest when set, else the tag.
  std::string manifest_reference() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// Parses and normalizes like docker (ParseNormalizedNamed + TagNameOnly).
// Errors name the input and why ("invalid reference format: repository name
// must be lowercase").
Result<Reference> parse_reference(std::string_view text);

// Where a domain's registry API is served: docker.io -> registry-1.docker.io.
std::string registry_endpoint(std::string_view domain);

// Turns what a user types for a registry (`docker.io`, `index.docker.io`,
// `https://index.docker.io/v1/`, `localhost:5000/`) into a reference domain.
std::string normalize_registry_host(std::string_view host);

// True for localhost, 127.0.0.0/8 and ::1 (with or without a port): plain HTTP
// is allowed for those without --tls-verify=false.
bool is_loopback_registry(std::string_view domain);

}  // namespace sbx::image
