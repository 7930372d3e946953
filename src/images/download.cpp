// Concurrent, verified layer downloads for pull: a few threads take layers
// from a shared queue; each blob is downloaded once even across processes
// (per-blob lock), then its diff id is checked and its ids scanned in one pass
// over the uncompressed stream, still in that thread: the next download and
// this inflate overlap, and unpacking need not read the blob once more first.
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "layers.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::images {

namespace {

Status download(const store::Store& store, const image::RegistryClient& client,
                const image::Descriptor& blob, ProgressSink& progress) {
  progress.blob(blob.digest, BlobEvent::kDownloading, 0, blob.size);
  image::ProgressFn report = [&](uint64_t done, uint64_t total) {
    progress.blob(blob.digest, BlobEvent::kDownloading, done, total);
  };
  std::filesystem::path dest = store.download_path(blob.digest);
  std::string what = "layer " + blob.digest.str();
  SBX_TRY_CTX(client.fetch_blob(blob, dest, report), what);
  return with_context(store.commit_blob(dest, blob.digest), what);
}

// A blob the store already had is downloaded again when it no longer matches
// its digest (a disk error, or a power cut before it reached the disk).
Status fetch_one(const store::Store& store, const image::RegistryClient& client,
                 LayerToUnpack& layer, const userns::IdMaps& maps, ProgressSink& progress) {
  const image::Descriptor& blob = layer.blob;
  FileLock lock = SBX_TRY(store.lock_blob(blob.digest));
  bool stored = store.has_blob(blob.digest);
  if (!stored) SBX_TRY(download(store, client, blob, progress));
  progress.blob(blob.digest, BlobEvent::kDownloaded, blob.size, blob.size);
  progress.blob(blob.digest, BlobEvent::kVerifying, blob.size, blob.size);
  auto scanned = verify_and_scan(store, layer, maps);
  if (!scanned && stored && image::sha256_of_file(store.blob_path(blob.digest)) != blob.digest) {
    progress.warning("layer " + blob.digest.str() +
                     " in the store is damaged: downloading it again");
    if (::unlink(store.blob_path(blob.digest).c_str()) != 0)
      return fail_errno("unlink", store.blob_path(blob.digest).native());
    SBX_TRY(download(store, client, blob, progress));
    scanned = verify_and_scan(store, layer, maps);
  }
  layer.scanned_content_bytes = SBX_TRY(std::move(scanned));
  return {};
}

Error diff_id_mismatch(const image::Digest& got, const LayerToUnpack& layer) {
  return Error("uncompressed content has digest " + got.str() + ", but the image config says " +
               layer.diff_id.str());
}

}  // namespace

Result<uint64_t> verify_and_scan(const store::Store& store, const LayerToUnpack& layer,
                                 const userns::IdMaps& maps) {
  std::filesystem::path path = store.blob_path(layer.blob.digest);
  std::string name = layer.blob.digest.str();
  bool gzip = layer.compression == image::Compression::kGzip;
  // Scan errors name the layer already ("layer sha256:..: x is owned by ...").
  auto scanned = rootfs::scan_layer_ids(path, maps, name, gzip);
  // The digest speaks first: a blob that is not the layer the config names
  // is reported as that, whatever its entries say.
  if (!scanned || !scanned->diff_id) {
    auto got = SBX_TRY_CTX(store::uncompressed_digest(path, layer.compression), "layer " + name);
    if (got.digest != layer.diff_id)
      return fail(diff_id_mismatch(got.digest, layer).context("layer " + name));
  } else if (*scanned->diff_id != layer.diff_id) {
    return fail(diff_id_mismatch(*scanned->diff_id, layer).context("layer " + name));
  }
  if (!scanned) return std::unexpected(std::move(scanned).error());
  return scanned->content_bytes;
}

Status download_layers(const store::Store& store, const image::RegistryClient& client,
                       std::vector<LayerToUnpack>& layers, const userns::IdMaps& maps, int jobs,
                       ProgressSink& progress) {
  for (const LayerToUnpack& layer : layers)
    progress.blob(layer.blob.digest, BlobEvent::kWaiting, 0, layer.blob.size);
  return run_parallel(layers.size(), jobs, [&](size_t i) {
    return fetch_one(store, client, layers[i], maps, progress);  // errors name the layer
  });
}

Status run_parallel(size_t count, int jobs, const std::function<Status(size_t)>& task) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (size_t i; !failed && (i = next++) < count;) {
      Status status = task(i);
      if (status) continue;
      std::lock_guard guard(mutex);
      if (!first_error) first_error = std::move(status.error());
      failed = true;
    }
  };
  size_t threads_wanted = std::min<size_t>(static_cast<size_t>(std::max(jobs, 1)), count);
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < threads_wanted; ++i) threads.emplace_back(worker);
  }  // joined: callers may fork next
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

}  // namespace sbx::images
