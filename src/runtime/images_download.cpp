// Concurrent, verified layer downloads for pull: a few threads take layers
// from a shared queue; each blob is downloaded once even across processes
// (per-blob lock) and its diff id is checked before it can be unpacked.
#include <atomic>
#include <mutex>
#include <thread>

#include "images_internal.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::runtime::detail {

namespace {

Status fetch_one(const store::Store& store, const image::RegistryClient& client,
                 const LayerToUnpack& layer, ProgressSink& progress) {
  const image::Descriptor& blob = layer.blob;
  FileLock lock = SBX_TRY(store.lock_blob(blob.digest));
  if (!store.has_blob(blob.digest)) {
    progress.blob(blob.digest, BlobEvent::kDownloading, 0, blob.size);
    image::ProgressFn report = [&](uint64_t done, uint64_t total) {
      progress.blob(blob.digest, BlobEvent::kDownloading, done, total);
    };
    std::filesystem::path dest = store.download_path(blob.digest);
    SBX_TRY(client.fetch_blob(blob, dest, report));
    SBX_TRY(store.commit_blob(dest, blob.digest));
  }
  progress.blob(blob.digest, BlobEvent::kDownloaded, blob.size, blob.size);
  progress.blob(blob.digest, BlobEvent::kVerifying, blob.size, blob.size);
  return verify_diff_id(store, layer);
}

}  // namespace

Status verify_diff_id(const store::Store& store, const LayerToUnpack& layer) {
  auto got =
      SBX_TRY(store::uncompressed_digest(store.blob_path(layer.blob.digest), layer.compression));
  if (got.digest != layer.diff_id)
    return fail("uncompressed content has digest " + got.digest.str() +
                ", but the image config says " + layer.diff_id.str());
  return {};
}

Status download_layers(const store::Store& store, const image::RegistryClient& client,
                       const std::vector<LayerToUnpack>& layers, int jobs, ProgressSink& progress) {
  for (const LayerToUnpack& layer : layers)
    progress.blob(layer.blob.digest, BlobEvent::kWaiting, 0, layer.blob.size);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (size_t i; !failed && (i = next++) < layers.size();) {
      Status status = fetch_one(store, client, layers[i], progress);
      if (status) continue;
      std::lock_guard guard(mutex);
      if (!first_error)
        first_error = std::move(status.error()).context("layer " + layers[i].blob.digest.str());
      failed = true;
    }
  };
  size_t count = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), layers.size());
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < count; ++i) threads.emplace_back(worker);
  }  // joined: the caller forks next
  if (first_error) return fail(std::move(*first_error));
  return {};
}

Result<std::vector<store::LayerRecord>> layer_records(const store::Store& store,
                                                      const std::vector<image::Digest>& diff_ids) {
  std::vector<store::LayerRecord> records;
  for (const image::Digest& diff_id : diff_ids) {
    auto record = SBX_TRY(store.layer(diff_id));
    if (!record) return fail("layer " + diff_id.str() + " is missing from the store");
    records.push_back(*record);
  }
  return records;
}

}  // namespace sbx::runtime::detail
