// The documents of image archives and of `commit`, as pure functions
// (unit-tested): docker-archive's manifest.json and repositories, the OCI
// layout's index.json, `commit --change` instructions and the committed
// image's config.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::images {

// One entry of docker-archive's manifest.json.
struct DockerArchiveImage {
  std::string config;                  // member path of the config, "<hex>.json"
  std::vector<std::string> repo_tags;  // "busybox:latest" as docker writes them
  std::vector<std::string> layers;     // member paths, bottom first
  friend bool operator==(const DockerArchiveImage&, const DockerArchiveImage&) = default;
};

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view text);
std::string docker_archive_manifest_json(const std::vector<DockerArchiveImage>& images);
// The legacy `repositories` file: {"repo": {"tag": "<top layer id>"}}.
std::string docker_repositories_json(const std::vector<DockerArchiveImage>& images,
                                     const std::vector<std::string>& top_layer_ids);

// Annotations of index.json entries naming an image.
inline constexpr std::string_view kOciRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

// index.json of an OCI layout; each descriptor keeps its annotations.
std::string oci_index_json(const std::vector<image::Descriptor>& manifests);
inline constexpr std::string_view kOciLayoutJson = R"({"imageLayoutVersion":"1.0.0"})";
// The canonical name an index.json entry gives its image, "" for none:
// io.containerd.image.name, else a ref.name that is a full reference (one
// that is only a tag, "latest", names nothing by itself).
std::string oci_entry_name(const image::Descriptor& entry);

// An OCI image manifest for `config` and `layers` (commit, and images loaded
// from docker-archive, whose layers come without a manifest).
std::string oci_manifest_json(const image::Descriptor& config,
                              const std::vector<image::Descriptor>& layers);
// The same from the store's layer records (their blobs) and a config blob.
std::string oci_manifest_json(const std::vector<store::LayerRecord>& layers,
                              const image::Digest& config, size_t config_size);

// What `push --format` asks for: an OCI image manifest or Docker's v2 schema 2.
enum class ManifestFormat { kOci, kDockerV2S2 };
// "oci", "v2s2" (also "docker"); the error lists the choices.
Result<ManifestFormat> parse_manifest_format(std::string_view text);
// The manifest media type of a format.
std::string_view manifest_media_type(ManifestFormat format);
// `manifest` in `format`: the same config and layer blobs (so the image id and
// the diff ids stay), with the media types that format uses. Layers the
// format cannot carry (zstd or uncompressed in v2s2) are refused, naming them.
Result<std::string> manifest_in_format(const image::ImageManifest& manifest, ManifestFormat format);

// A docker `--change` instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER,
// LABEL, EXPOSE, VOLUME, STOPSIGNAL ("CMD echo hi", "CMD=echo hi",
// `CMD ["a","b"]`).
struct ConfigChange {
  std::string instruction;  // upper case
  std::string value;        // the rest, trimmed
  friend bool operator==(const ConfigChange&, const ConfigChange&) = default;
};
Result<ConfigChange> parse_config_change(std::string_view text);

// What the committed layer adds to the history.
struct CommitInfo {
  std::string created;  // RFC 3339
  std::string author;
  std::string comment;
  std::string created_by;
};

// The committed image's config: the parent's config document with the new
// diff id appended to rootfs.diff_ids (none: an "empty_layer" history entry;
// build's config-only steps; build also passes SHELL, HEALTHCHECK (JSON) and
// ONBUILD changes), a history entry, "created", "author"
// and the changes applied to its "config" object.
Result<std::string> committed_config_json(std::string_view parent_config,
                                          const image::Digest& new_diff_id, const CommitInfo& info,
                                          const std::vector<ConfigChange>& changes);

}  // namespace sbx::images
