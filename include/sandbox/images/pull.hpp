// Images into the store: pull from a registry, or import a root filesystem.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

struct PullOptions {
  std::optional<image::Platform> platform;  // nothing: the host's
  // false; a registries.conf `insecure = true` entry also turns it off.
  bool tls_verify = true;
  // --authfile: credentials from this file alone (else podman's and docker's files).
  std::optional<std::filesystem::path> auth_file;
  // Asks which of a short name's candidates (registries.conf's search
  // registries) is meant; returns its index. Unset: there is no one to ask.
  std::function<Result<size_t>(std::string_view name, const std::vector<std::string>& candidates)>
      choose_registry;
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

// The name through registries.conf (aliases, search registries; the mirrors
// and location of its registry; blocked and insecure registries) ->
// registry -> manifest (index: platform choice) -> config and layers
// downloaded concurrently into blobs (verified; present ones skipped; one
// download per blob across processes) -> every layer's ids scanned, then the
// missing layers unpacked in one user-namespace child -> image recorded last.
// Must be called while the process is single-threaded (it forks).
Result<PullResult> pull_image(const store::Store& store, std::string_view reference,
                              const PullOptions& options, ProgressSink& progress);

// A stored image for what a user typed: `text` as docker reads it, else (a
// short name) the first of its registries.conf candidates the store has, as
// podman looks locally before pulling. kNotFound when none is stored.
Result<store::ImageRecord> find_stored_image(const store::Store& store, std::string_view text);

struct ImportResult {
  image::Digest id;
  std::string name;  // canonical, empty when none was given
};

// A root filesystem (a directory, or a tar / tar.gz / tar.zst file) becomes a
// one-layer image named `name` (may be empty: a dangling image).
Result<ImportResult> import_image(const store::Store& store, const std::filesystem::path& source,
                                  std::string_view name, ProgressSink& progress);

// An image event (pull, tag, untag, delete) into the store's event log,
// with docker's `name` attribute. Best effort.
void record_image_event(const store::Store& store, std::string_view action, std::string id,
                        std::string name);

}  // namespace sbx::images
