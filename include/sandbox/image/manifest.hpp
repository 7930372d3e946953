// OCI / Docker image metadata: media types, descriptors, index, manifest,
// config, and choosing the manifest for a platform.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::image {

namespace media_type {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciLayerNondistributableTar =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerForeignGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
// Old schema 1 manifests: recognised only to refuse them with a clear message.
inline constexpr std::string_view kDockerManifestV1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerManifestV1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media_type

// Caps on what we read into memory.
inline constexpr size_t kMaxManifestBytes = 4u << 20;
inline constexpr size_t kMaxConfigBytes = 8u << 20;

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // "amd64", "arm64", "arm"
  std::string variant;       // "", "v7", "v8"
  // "linux/arm64/v8" (variant omitted when empty)
  std::string str() const;
  friend bool operator==(const Platform&, const Platform&) = default;
};

// The platform this binary runs on, normalized (linux/amd64, linux/arm64, ...).
Platform host_platform();
// "linux/arm64/v8", "linux/amd64", "arm64" (os defaults to linux); normalized
// as containerd does (aarch64 -> arm64, x86_64 -> amd64, arm -> arm/v7, ...).
Result<Platform> parse_platform(std::string_view text);
Platform normalize_platform(Platform platform);
// The platforms an image for `wanted` may be taken from, best first
// (containerd platforms.Only: linux/arm64 also runs linux/arm/v8..v5,
// linux/amd64/v3 also v2, v1, 386).
std::vector<Platform> compatible_platforms(const Platform& wanted);

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;  // index entries only
};

struct ImageIndex {
  std::string media_type;  // kOciIndex or kDockerManifestList
  std::vector<Descriptor> manifests;
};

enum class Compression { kNone, kGzip, kZstd };

struct ImageManifest {
  std::string media_type;  // kOciManifest or kDockerManifest
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;
  std::string author;
  // The "config" object (docker's container config).
  std::string user;
  std::vector<std::string> env;         // "KEY=value"
  std::vector<std::string> entrypoint;  // empty when null/absent
  std::vector<std::string> cmd;
  std::string working_dir;
  std::string stop_signal;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> volumes;        // sorted
  std::map<std::string, std::string> labels;
  // rootfs
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;
  // The document exactly as fetched (its sha256 is the image id).
  std::string raw_json;
};

// The platform an image's config names (os "linux" when unset), normalized.
Platform platform_of(const ImageConfig& config);
// Whether an image of `config` serves `wanted` (its compatible platforms); an
// image that names no architecture serves any.
bool serves_platform(const ImageConfig& config, const Platform& wanted);

// "application/json; charset=utf-8" -> "application/json" (a Content-Type header's type).
std::string_view strip_parameters(std::string_view content_type);
bool is_index_media_type(std::string_view type);
bool is_manifest_media_type(std::string_view type);
bool is_config_media_type(std::string_view type);
// The compression of a layer media type; error naming the type when unknown.
Result<Compression> layer_compression(std::string_view type);

// Parsers refuse malformed JSON, a wrong schemaVersion, unknown media types
// (naming them) and documents over the caps above.
Result<ImageIndex> parse_index(std::string_view body);
Result<ImageManifest> parse_manifest(std::string_view body);
Result<ImageConfig> parse_config(std::string_view body);

// An index or a manifest, decided by `content_type` (the registry's
// Content-Type; may be empty or generic) and then the document's mediaType.
using AnyManifest = std::variant<ImageIndex, ImageManifest>;
Result<AnyManifest> parse_any_manifest(std::string_view body, std::string_view content_type = {});

// The index entry for `platform` (its compatible_platforms() in order of
// preference); error listing the platforms the index offers when none fits.
Result<Descriptor> select_manifest(const ImageIndex& index, const Platform& platform);

}  // namespace sbx::image
