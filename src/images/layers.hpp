// Steps shared by pull, import, load and commit (private to src/images).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "sandbox/image/registry_client.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::images {

// A layer that is not in the store yet: its blob and what it must hash to.
struct LayerToUnpack {
  image::Descriptor blob;
  image::Digest diff_id;
  image::Compression compression = image::Compression::kGzip;
  // Set by download_layers: its ids were scanned (LayerIdScan::content_bytes),
  // so unpack_layers need not read it again before extracting.
  std::optional<uint64_t> scanned_content_bytes;
};

// Downloads the blobs of `layers` missing from the store, `jobs` at a time,
// and checks each one's diff id and, in the same pass over the uncompressed
// stream, its ids against `maps` (sets scanned_content_bytes). All threads
// have ended when this returns.
Status download_layers(const store::Store& store, const image::RegistryClient& client,
                       std::vector<LayerToUnpack>& layers, const userns::IdMaps& maps, int jobs,
                       ProgressSink& progress);

// Runs task(0..count-1) on up to `jobs` threads; after the first failure no
// new task starts, and that error is returned. All threads have ended when
// this returns.
Status run_parallel(size_t count, int jobs, const std::function<Status(size_t)>& task);

// Checks the diff id of a stored layer blob and scans its ids (one pass for
// gzip layers); the scan's content bytes.
Result<uint64_t> verify_and_scan(const store::Store& store, const LayerToUnpack& layer,
                                 const userns::IdMaps& maps);

// Scans every layer's ids (but those download_layers scanned), then unpacks those still missing
// (another process may have done some meanwhile) in one user-namespace child and records them.
// Single-threaded callers only (it forks).
Status unpack_layers(const store::Store& store, const std::vector<LayerToUnpack>& layers,
                     ProgressSink& progress);

// The stored records of `diff_ids`, bottom first; error naming a missing one.
Result<std::vector<store::LayerRecord>> layer_records(const store::Store& store,
                                                      const std::vector<image::Digest>& diff_ids);

// The stored manifest of `record` when it describes exactly the stored blobs
// (a pull or an oci-archive load), else an OCI manifest made from the layer
// records (save.cpp; used by save and push).
Result<std::string> stored_manifest(const store::Store& store, const store::ImageRecord& record,
                                    size_t config_size);

}  // namespace sbx::images
