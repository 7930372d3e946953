// Images into the store: pull from a registry, or import a root filesystem.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

struct PullOptions {
  std::optional<image::Platform> platform;  // nothing: the host's
  bool tls_verify = true;
  bool quiet = false;  // the CLI's concern; kept for callers that pass it on
  // Parallel blob downloads.
  int jobs = 3;
};

struct PullResult {
  image::Digest id;         // config digest
  image::Digest digest;     // what the reference resolved to (index or manifest)
  std::string name;         // canonical: docker.io/library/busybox:latest
  bool up_to_date = false;  // nothing had to be fetched or unpacked
};

// registry -> manifest (index: platform choice) -> config and layers
// downloaded concurrently into blobs (verified; present ones skipped; one
// download per blob across processes) -> every layer's ids scanned, then the
// missing layers unpacked in one user-namespace child -> image recorded last.
// Must be called while the process is single-threaded (it forks).
Result<PullResult> pull_image(const store::Store& store, std::string_view reference,
                              const PullOptions& options, ProgressSink& progress);

struct ImportResult {
  image::Digest id;
  std::string name;  // canonical, empty when none was given
};

// A root filesystem (a directory, or a tar / tar.gz / tar.zst file) becomes a
// one-layer image named `name` (may be empty: a dangling image).
Result<ImportResult> import_image(const store::Store& store, const std::filesystem::path& source,
                                  std::string_view name, ProgressSink& progress);

}  // namespace sbx::images
