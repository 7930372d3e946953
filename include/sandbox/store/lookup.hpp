// Finding an image the way docker does from what a user typed: a name
// (`busybox` = docker.io/library/busybox:latest), name@digest, a full id
// (`sha256:<hex>` or `<hex>`) or a unique id prefix. Pure; unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::store {

// How `text` matched; `name` is the canonical tag or digest name when it
// matched by name (empty for ids).
struct Match {
  image::Digest id;
  std::string name;
};

// Names are tried first (as docker does), then ids and id prefixes (at least
// 1 hex digit; ambiguous prefixes are an error). Not found: an Error of kind
// kNotFound ("no such image: x") so callers can tell it from others.
Result<Match> match_image(const NameIndex& names, const std::vector<image::Digest>& ids,
                          std::string_view text);

// The canonical name `text` stands for as a tag target (`tag SRC busybox`
// -> docker.io/library/busybox:latest). Digests are refused: one cannot tag
// with a digest.
Result<std::string> canonical_tag(std::string_view text);

// docker's display form of a canonical name: {"busybox", "latest"} or
// {"127.0.0.1:5000/x/y", "v1"}; for a digest name the tag is the digest.
struct DisplayName {
  std::string repository;
  std::string tag;
};
DisplayName display_name(std::string_view canonical);

bool is_not_found(const Error& error);

}  // namespace sbx::store
