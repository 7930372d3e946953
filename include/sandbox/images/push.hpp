// `sandbox push`: an image from the store to a registry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/image/auth.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

struct PushOptions {
  bool tls_verify = true;
  // --authfile: credentials from this file alone (else podman's and docker's files).
  std::optional<std::filesystem::path> auth_file;
  // Unset: the manifest as stored (same manifest digest as pulled).
  std::optional<ManifestFormat> format;
  // Set: every layer goes up so compressed, recompressed where stored
  // otherwise (new digest and size; the config and its diff ids stay). Unset:
  // as stored, but uncompressed layers (commit, build) are gzipped, as docker
  // and podman push them, unless `disable_compression`.
  std::optional<image::Compression> compression;
  bool disable_compression = false;  // --disable-compression: every layer as stored
  int jobs = 3;                      // parallel blob uploads
  uint64_t chunk_size = 0;           // 0: monolithic uploads; else PATCH chunks of this size
};

struct PushResult {
  image::Digest digest;     // of the manifest pushed
  std::string destination;  // canonical: 127.0.0.1:5000/x/y:tag
  std::string manifest_media_type;
};

// "gzip", "zstd"; the error lists the choices.
Result<image::Compression> parse_compression(std::string_view text);

// The stored image `source` -> `destination` (empty: the name `source`).
// Blobs the registry has (HEAD) are not sent again, nor those it can mount
// from another repository of the same registry holding the image; the others
// are uploaded `jobs` at a time, then the config, then the manifest, last.
// A destination without a registry is docker.io's, as docker and podman
// push: `progress.warning` says so before anything is sent.
Result<PushResult> push_image(const store::Store& store, std::string_view source,
                              std::string_view destination, const PushOptions& options,
                              ProgressSink& progress);

}  // namespace sbx::images
