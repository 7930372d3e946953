// Image operations that go beyond the store's records: pull from a registry,
// import a root filesystem, and removals that must enter the user namespace
// (unpacked layers hold files owned by subordinate ids).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/image/reference.hpp"
#include "sandbox/store/check.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::runtime {

// What happens to one blob (short digest as docker shows it).
enum class BlobEvent {
  kWaiting,      // queued for download
  kExists,       // layer already unpacked in the store
  kDownloading,  // bytes arriving (done/total)
  kDownloaded,   // verified and stored
  kVerifying,    // checking the diff id
  kExtracting,   // being unpacked
  kComplete,     // unpacked and recorded
};

// Receives progress. Methods may be called from several download threads at
// once: implementations synchronize themselves.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The manifest was found: `digest` is what `name@digest` pins.
  virtual void resolved(const image::Reference& /*reference*/, const image::Digest& /*digest*/) {}
  virtual void blob(const image::Digest& /*digest*/, BlobEvent /*event*/, uint64_t /*done*/,
                    uint64_t /*total*/) {}
  // Skipped device nodes, a single-id map, a platform mismatch...
  virtual void warning(std::string_view /*text*/) {}
};

// A sink that ignores everything.
class NullProgress : public ProgressSink {};

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

// Deletes trees, entering the user namespace when files owned by
// subordinate ids are in the way. Single-threaded callers only.
store::TreeRemover userns_tree_remover();

// `rmi` and `image prune` with the user-namespace remover.
Result<store::RemoveResult> remove_image(const store::Store& store, std::string_view text,
                                         bool force);
Result<store::PruneResult> prune_images(const store::Store& store, bool all);

// `system check`, the store's part: store::check_records, then every whole
// layer measured in the user namespace against what its unpack left (with
// `full`, also unpacked again from its blob, checked against its diff id, and
// compared file by file: `progress` hears of each layer), then the container
// dirs that killed runs left. Changes nothing.
Result<store::StoreCheck> check_store(const store::Store& store, bool full,
                                      const std::function<void(const std::string&)>& progress);
// `system check --repair`: removes what `check` found damaged or left over, so
// that the next pull restores it.
Status repair_store(const store::Store& store, const store::StoreCheck& check);

// `system reset`: removes the store's containers (running ones are killed, as
// `rm -f`), then the whole store at `root` (entering the user namespace for
// files owned by subordinate ids). A missing root is no error.
Status reset_store(const std::filesystem::path& root);

}  // namespace sbx::runtime
