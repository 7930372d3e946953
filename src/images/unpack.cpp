// Unpacking pulled or imported layers: every layer's ids are scanned first
// (one clear error before anything is extracted), then the missing layers are
// unpacked in ONE user-namespace child (two layers at a time, by threads of
// that child) into layers/<id>/diff.partial and renamed to diff/ there. Once
// they are all done (or one failed), the child makes them durable with one
// syncfs and records each complete one (layer.json): a record is written only
// by the process that saw its layer through, and only once the layer would
// survive a power cut. A kill at any point leaves no layer.json beside a
// layer that is not whole; the next unpack of it starts over, and `image
// prune` removes it otherwise.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "layers.hpp"
#include "sandbox/rootfs/tree.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::images {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxUnpackWorkers = 2;

struct Pending {
  const LayerToUnpack* layer;
  FileLock lock;
  uint64_t content_bytes = 0;
};

// Locks the layers in digest order (no deadlock between two pulls) and keeps
// those still missing once the lock is held.
Result<std::vector<Pending>> lock_missing(const store::Store& store,
                                          const std::vector<LayerToUnpack>& layers,
                                          ProgressSink& progress) {
  std::vector<const LayerToUnpack*> order;
  for (const LayerToUnpack& layer : layers) {
    bool seen = std::any_of(order.begin(), order.end(),
                            [&](const LayerToUnpack* o) { return o->diff_id == layer.diff_id; });
    if (!seen) order.push_back(&layer);
  }
  std::sort(order.begin(), order.end(),
            [](const LayerToUnpack* a, const LayerToUnpack* b) { return a->diff_id < b->diff_id; });
  std::vector<Pending> pending;
  for (const LayerToUnpack* layer : order) {
    FileLock lock = SBX_TRY(store.lock_layer(layer->diff_id));
    if (SBX_TRY(store.layer(layer->diff_id))) {
      progress.blob(layer->blob.digest, BlobEvent::kExists, 0, 0);
      continue;
    }
    pending.push_back({layer, std::move(lock), 0});
  }
  return pending;
}

// Runs in the user-namespace child: staging dir, unpack, measure (for
// `system check`), rename into place.
Result<rootfs::TreeStats> unpack_one(const store::Store& store, const LayerToUnpack& layer,
                                     std::vector<std::string>& warnings) {
  fs::path staging = store.layer_staging_dir(layer.diff_id);
  fs::path diff = store.layer_diff_dir(layer.diff_id);
  SBX_TRY(remove_tree(staging));  // left by a killed unpack
  SBX_TRY(remove_tree(diff));     // complete but never recorded
  if (::mkdir(staging.c_str(), 0755) != 0) return fail_errno("mkdir", staging.native());
  // unpack_layer names the layer in its errors.
  rootfs::UnpackOptions options;
  options.whiteouts = rootfs::WhiteoutForm::kOverlay;
  options.layer_name = layer.blob.digest.str();
  SBX_TRY(rootfs::unpack_layer(store.blob_path(layer.blob.digest), staging, options, warnings));
  rootfs::TreeStats stats = SBX_TRY(rootfs::measure_tree(staging));
  if (::rename(staging.c_str(), diff.c_str()) != 0) return fail_errno("rename", diff.native());
  return stats;
}

// Runs in the user-namespace child: the layers are independent directories,
// so up to two workers (no more than cores; two is what was measured, on two
// cores) unpack them side by side, the largest first. The first error stops
// the others from taking new layers. Returns which of `pending` are complete
// (diff/ in place, with what it holds) next to the first error.
std::pair<std::vector<std::optional<rootfs::TreeStats>>, Status> unpack_all(
    const store::Store& store, const std::vector<Pending>& pending,
    std::vector<std::string>& warnings) {
  std::vector<size_t> order(pending.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return pending[a].content_bytes > pending[b].content_bytes;
  });
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t workers = std::min({order.size(), cores, kMaxUnpackWorkers});
  std::vector<std::vector<std::string>> worker_warnings(workers);
  std::vector<std::optional<rootfs::TreeStats>> done(pending.size());  // one writer each
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::optional<Error> first_error;
  auto work = [&](size_t worker) {
    for (size_t i; !failed && (i = next++) < order.size();) {
      auto stats = unpack_one(store, *pending[order[i]].layer, worker_warnings[worker]);
      if (stats) {
        done[order[i]] = *stats;
        continue;
      }
      std::lock_guard guard(mutex);
      if (!first_error) first_error = std::move(stats.error());
      failed = true;
    }
  };
  {
    std::vector<std::jthread> threads;
    for (size_t worker = 1; worker < workers; ++worker) threads.emplace_back(work, worker);
    work(0);
  }
  for (auto& list : worker_warnings) warnings.insert(warnings.end(), list.begin(), list.end());
  if (first_error) return {std::move(done), fail(std::move(*first_error))};
  return {std::move(done), Status{}};
}

// Runs in the user-namespace child, after unpack_all: one syncfs for all the
// layers (cheaper than an fsync per file), then their records.
Status record_complete(const store::Store& store, const std::vector<Pending>& pending,
                       const std::vector<std::optional<rootfs::TreeStats>>& done) {
  if (std::none_of(done.begin(), done.end(), [](const auto& d) { return d.has_value(); }))
    return {};
  SBX_TRY(store.sync());
  for (size_t i = 0; i < pending.size(); ++i) {
    if (!done[i]) continue;
    const LayerToUnpack& layer = *pending[i].layer;
    store::LayerRecord record{layer.diff_id,      layer.blob.digest,        layer.blob.media_type,
                              layer.blob.size,    pending[i].content_bytes, done[i]->entries,
                              done[i]->file_bytes};
    SBX_TRY_CTX(store.commit_layer(record), "layer " + layer.blob.digest.str());
  }
  return {};
}

}  // namespace

Status unpack_layers(const store::Store& store, const std::vector<LayerToUnpack>& layers,
                     ProgressSink& progress) {
  if (layers.empty()) return {};
  std::vector<std::string> map_warnings;
  userns::IdMaps maps =
      SBX_TRY(userns::id_maps_for_current_user(userns::Mode::kDefault, map_warnings));
  for (const std::string& warning : map_warnings) progress.warning(warning);
  std::vector<Pending> pending = SBX_TRY(lock_missing(store, layers, progress));
  if (pending.empty()) return {};
  uint64_t needed = 0;
  for (Pending& item : pending) {  // all scans before any extraction
    const LayerToUnpack& layer = *item.layer;
    if (layer.scanned_content_bytes) {  // by download_layers, with these maps
      item.content_bytes = *layer.scanned_content_bytes;
      needed += item.content_bytes;
      continue;
    }
    // Errors name the layer already ("layer sha256:..: path is owned by uid ...").
    auto scan = SBX_TRY(
        rootfs::scan_layer_ids(store.blob_path(layer.blob.digest), maps, layer.blob.digest.str()));
    item.content_bytes = scan.content_bytes;
    needed += scan.content_bytes;
  }
  SBX_TRY(rootfs::check_free_space(store.root() / "layers", needed));
  for (Pending& item : pending) {
    SBX_TRY(make_dirs(store.layer_dir(item.layer->diff_id), 0700));
    progress.blob(item.layer->blob.digest, BlobEvent::kExtracting, 0, 0);
  }
  auto body = [&](std::vector<std::string>& warnings) -> Status {
    auto [done, status] = unpack_all(store, pending, warnings);
    SBX_TRY(record_complete(store, pending, done));  // also those done before a failure
    return status;
  };
  auto outcome = userns::run_in_user_namespace(maps, body);
  if (outcome)
    for (const std::string& warning : outcome->warnings) progress.warning(warning);
  for (const Pending& item : pending)
    if (auto record = store.layer(item.layer->diff_id); record && *record)
      progress.blob(item.layer->blob.digest, BlobEvent::kComplete, 0, 0);
  if (!outcome) return std::unexpected(std::move(outcome).error());
  return {};
}

}  // namespace sbx::images
