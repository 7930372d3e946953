// The per-user image store (mode 0700):
//   blobs/sha256/<hex>        content-addressed blobs (manifests, configs, layer tarballs)
//   layers/<hex>/diff/        a layer unpacked (overlay whiteout form), <hex> = its diff id
//   layers/<hex>/layer.json   written only after diff/ is complete: no record, no layer
//   images/<hex>.json         image records (id = config digest)
//   images/names.json         repository tags and digests -> image id
//   containers/<id>/image-id  the image a container uses (written by the runtime)
//   tmp/                      partial downloads and staging (resumed or cleaned)
//   tmp/trash/                what is being deleted: a removal first renames its tree here,
//                             so a kill leaves the whole thing or garbage, never half of it
//   locks/                    flock files
// Every file is written to a temp name and renamed into place. Locks: `store`
// (exclusive) around every change of records; `gc` shared by a pull or a
// container start for their whole length and exclusive for garbage collection,
// so nothing in use is collected; one lock per blob and per layer so two pulls
// of one image download and unpack each only once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::store {

struct StoreRepair;  // check.hpp
class StoreCheck;    // check.hpp

// Deletes trees that may hold files owned by subordinate ids (unpacked
// layers, containers). The store's default only manages what the user owns;
// the runtime passes one that enters the user namespace.
using TreeRemover = std::function<Status(const std::vector<std::filesystem::path>& trees)>;
Status remove_trees_plainly(const std::vector<std::filesystem::path>& trees);

// Moves `path` (inside the store at `store_root`) to its tmp/trash/ in one
// rename: from then on no reader sees it, and what a kill leaves there is
// garbage. Returns where it went; nullopt when `path` did not exist.
Result<std::optional<std::filesystem::path>> move_to_trash(const std::filesystem::path& store_root,
                                                           const std::filesystem::path& path);
// What is in tmp/trash/ (deleting it is always safe: no one uses it).
std::vector<std::filesystem::path> trash_of(const std::filesystem::path& store_root);

struct RemoveResult {
  std::vector<std::string> untagged;   // canonical names
  std::vector<image::Digest> deleted;  // image ids whose record was removed
  bool collected = false;              // unreferenced layers and blobs were dropped now
};

struct PruneResult {
  std::vector<image::Digest> images;  // image records removed
  std::vector<image::Digest> layers;  // layers removed (diff ids)
  uint64_t reclaimed_bytes = 0;       // blob bytes + layer content sizes
};

struct DiskUsage {
  size_t images = 0;
  size_t images_in_use = 0;        // used by a container
  uint64_t images_bytes = 0;       // unpacked layers, each counted once
  uint64_t reclaimable_bytes = 0;  // layers of images no container uses
  size_t layers = 0;
  size_t blobs = 0;
  uint64_t blobs_bytes = 0;
  size_t containers = 0;
  uint64_t containers_bytes = 0;  // what the user can see of containers/ (best effort)
};

// The bytes of the regular files under `dir` that this user
// can reach; unreadable dirs are skipped (best effort, as docker's sizes).
uint64_t visible_tree_bytes(const std::filesystem::path& dir);

class Store {
 public:
  // Creates the layout under `root` (mode 0700, tightened when looser;
  // refused when another user owns it). Empty root: default_store_root().
  static Result<Store> open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // ---- locks
  Result<FileLock> lock_records() const;  // exclusive, short
  Result<FileLock> lock_gc_shared() const;
  Result<FileLock> lock_gc_exclusive() const;
  // As lock_gc_exclusive, but an empty lock (holds() false) while anyone holds it.
  Result<FileLock> try_lock_gc_exclusive() const;
  Result<FileLock> lock_blob(const image::Digest& digest) const;
  Result<FileLock> lock_layer(const image::Digest& diff_id) const;

  // ---- blobs
  std::filesystem::path blob_path(const image::Digest& digest) const;
  bool has_blob(const image::Digest& digest) const;
  // Where a download of `digest` goes before commit_blob (its ".partial"
  // survives a kill and is resumed).
  std::filesystem::path download_path(const image::Digest& digest) const;
  // Renames a verified file into blobs/.
  Status commit_blob(const std::filesystem::path& verified, const image::Digest& digest) const;
  // Small blobs (manifests, configs), checked against their digest.
  Result<std::string> read_blob(const image::Digest& digest, size_t max_bytes) const;
  Result<image::Digest> write_blob(std::string_view data) const;

  // ---- layers
  std::filesystem::path layer_dir(const image::Digest& diff_id) const;
  std::filesystem::path layer_diff_dir(const image::Digest& diff_id) const;     // layers/<hex>/diff
  std::filesystem::path layer_staging_dir(const image::Digest& diff_id) const;  // .../diff.partial
  // The record when the layer is complete; nullopt when absent or half done.
  Result<std::optional<LayerRecord>> layer(const image::Digest& diff_id) const;
  // Records a layer whose diff/ is in place (and made durable: sync()).
  Status commit_layer(const LayerRecord& record) const;
  // syncfs(2) of the store's file system: what was written reaches the disk.
  Status sync() const;

  // ---- images
  Result<std::vector<image::Digest>> image_ids() const;
  Result<ImageRecord> image(const image::Digest& id) const;  // with names filled in
  Result<std::vector<ImageRecord>> images() const;           // newest first
  // Writes the record, then points `names` (canonical tags / name@digest) at it.
  Status add_image(const ImageRecord& record, const std::vector<std::string>& names) const;
  Result<ImageRecord> resolve(std::string_view text) const;
  Result<image::ImageConfig> image_config(const image::Digest& id) const;
  // `tag busybox mybox:1`
  Result<std::string> tag(std::string_view source, std::string_view target) const;
  // docker rmi: a name with other names left is only untagged; an id or the
  // last name removes the image, refused while a container uses it unless
  // `force` (then it is only untagged and kept for the container).
  Result<RemoveResult> remove_image(std::string_view text, bool force,
                                    const TreeRemover& remover = remove_trees_plainly) const;
  Result<PruneResult> prune(bool all, const TreeRemover& remover = remove_trees_plainly) const;
  Result<DiskUsage> disk_usage() const;

  // ---- removal (see move_to_trash above)
  Result<std::optional<std::filesystem::path>> move_to_trash(
      const std::filesystem::path& path) const {
    return store::move_to_trash(root_, path);
  }
  std::vector<std::filesystem::path> trash() const { return trash_of(root_); }

  // ---- containers (their dirs belong to the runtime)
  std::filesystem::path containers_dir() const { return root_ / "containers"; }
  // cache/mount-points/<image id hex>: the image's missing mount points as a
  // layer (launch/mount_point_layer.hpp); collected with the image.
  std::filesystem::path mount_point_layer_dir(const image::Digest& image_id) const {
    return root_ / "cache" / "mount-points" / image_id.hex();
  }
  // Writes containers/<id>/image-id so the store knows the image is in use.
  Status record_container_image(std::string_view container_id, const image::Digest& id) const;
  Result<std::vector<std::string>> containers_using(const image::Digest& id) const;

 private:
  friend Status repair_store(const Store& store, const StoreRepair& repair,
                             const TreeRemover& remover);
  friend Result<StoreCheck> check_records(const Store& store, bool full);
  explicit Store(std::filesystem::path root) : root_(std::move(root)) {}
  Result<NameIndex> read_names() const;
  Status write_names(const NameIndex& names) const;
  Result<ImageRecord> read_image_record(const image::Digest& id) const;
  Status delete_image_record(const image::Digest& id) const;
  Result<PruneResult> collect(const TreeRemover& remover) const;

  std::filesystem::path root_;
};

}  // namespace sbx::store
