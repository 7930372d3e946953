// What the store records about images and layers, and their JSON forms.
// Pure: no file system access, so the record logic is unit-tested directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::store {

// One unpacked layer: layers/<diff_id hex>/{diff/,layer.json}. Layers are
// keyed by diff id: in overlay form a layer's directory does not depend on
// the layers below it, so every image with the same layer shares one copy.
struct LayerRecord {
  image::Digest diff_id;  // sha256 of the uncompressed tar
  image::Digest digest;   // the blob it was unpacked from (compressed)
  std::string media_type;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // bytes of file content the layer holds
  // What unpacking left in diff/ (rootfs::TreeStats), so `system check` can
  // tell a whole layer from a damaged one; entries 0: not known (a layer
  // recorded before these were kept).
  uint64_t entries = 0;
  uint64_t file_bytes = 0;
  friend bool operator==(const LayerRecord&, const LayerRecord&) = default;
};

// One image: images/<id hex>.json. The id is the digest of its config.
struct ImageRecord {
  image::Digest id;
  image::Digest manifest_digest;  // the (platform) manifest stored in blobs/
  std::string manifest_media_type;
  std::vector<LayerRecord> layers;  // bottom first
  std::string os;
  std::string architecture;
  std::string variant;
  std::string created;    // the config's "created" (RFC 3339), may be empty
  int64_t stored_at = 0;  // unix seconds when recorded here
  // Filled from the name index when read through the Store (not in the file).
  std::vector<std::string> repo_tags;     // canonical: docker.io/library/busybox:latest
  std::vector<std::string> repo_digests;  // docker.io/library/busybox@sha256:...

  // Bytes of all layers unpacked.
  uint64_t size() const;
  bool dangling() const { return repo_tags.empty(); }
};

// The names that point at images: images/names.json.
struct NameIndex {
  std::map<std::string, image::Digest> tags;     // "docker.io/library/busybox:latest" -> id
  std::map<std::string, image::Digest> digests;  // "docker.io/library/busybox@sha256:.." -> id

  // Sorted names of `id`.
  std::vector<std::string> tags_of(const image::Digest& id) const;
  std::vector<std::string> digests_of(const image::Digest& id) const;
  // Drops every name of `id`; returns the tags removed.
  std::vector<std::string> drop_image(const image::Digest& id);
  friend bool operator==(const NameIndex&, const NameIndex&) = default;
};

std::string to_json(const LayerRecord& layer);
std::string to_json(const ImageRecord& image);  // without repo_tags/repo_digests
std::string to_json(const NameIndex& names);
// Parsers name what is wrong ("layer.json: diff_id: ...").
Result<LayerRecord> parse_layer_record(std::string_view text);
Result<ImageRecord> parse_image_record(std::string_view text);
Result<NameIndex> parse_name_index(std::string_view text);

// "2024-01-02T03:04:05Z" for unix seconds (UTC).
std::string format_rfc3339(int64_t unix_seconds);
// Unix seconds of an RFC 3339 time ("2024-01-02T03:04:05.123456789Z",
// "...+02:00"); nullopt-like -1 when it does not parse.
int64_t parse_rfc3339(std::string_view text);

}  // namespace sbx::store
