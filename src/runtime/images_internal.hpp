// Steps shared by pull and import (private to src/runtime/images_*.cpp).
#pragma once

#include <vector>

#include "sandbox/image/registry_client.hpp"
#include "sandbox/runtime/images.hpp"

namespace sbx::runtime::detail {

// A layer that is not in the store yet: its blob and what it must hash to.
struct LayerToUnpack {
  image::Descriptor blob;
  image::Digest diff_id;
  image::Compression compression = image::Compression::kGzip;
};

// Downloads the blobs of `layers` missing from the store, `jobs` at a time,
// and checks each one's diff id. All threads have ended when this returns.
Status download_layers(const store::Store& store, const image::RegistryClient& client,
                       const std::vector<LayerToUnpack>& layers, int jobs, ProgressSink& progress);

// Checks the diff id of a stored layer blob.
Status verify_diff_id(const store::Store& store, const LayerToUnpack& layer);

// Scans every layer's ids, then unpacks those still missing (another process
// may have done some meanwhile) in one user-namespace child and records
// them. Single-threaded callers only (it forks).
Status unpack_layers(const store::Store& store, const std::vector<LayerToUnpack>& layers,
                     ProgressSink& progress);

// The stored records of `diff_ids`, bottom first; error naming a missing one.
Result<std::vector<store::LayerRecord>> layer_records(const store::Store& store,
                                                      const std::vector<image::Digest>& diff_ids);

}  // namespace sbx::runtime::detail
