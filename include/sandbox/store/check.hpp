// `sandbox system check`, the store's part: what is damaged (an image that can
// no longer be trusted to run as pulled: a missing or changed file, blob or
// record) and what was left behind (an interrupted pull or removal: harmless,
// and collected by a prune), and what a repair removes so that the next pull
// restores it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::store {

struct StoreFinding {
  bool damaged = true;  // false: a leftover
  std::string subject;  // "image busybox:latest (sha256:1a64178f6b09)", "layer sha256:..."
  std::string problem;  // "its diff/ holds 3 names fewer than were unpacked"
  // The images a damaged finding breaks, by display name: what to pull again.
  std::vector<std::string> images;
};

// What --repair removes.
struct StoreRepair {
  std::set<image::Digest> images;            // records to delete, with their names
  std::set<image::Digest> layers;            // layer dirs, to the trash
  std::set<std::string> names;               // names that point at no record
  std::vector<std::filesystem::path> files;  // records that cannot be read
  bool collect = false;                      // leftovers: one garbage collection
};

class StoreCheck {
 public:
  std::vector<StoreFinding> findings;
  StoreRepair repair;
  size_t image_count = 0;
  size_t layer_count = 0;

  bool damaged() const;
  // The image records and their layers, as found: which layers to measure.
  const std::map<image::Digest, LayerRecord>& layers() const { return layers_; }

  // Records what the checks find.
  void image_damaged(const image::Digest& id, std::string problem);
  void layer_damaged(const image::Digest& diff_id, std::string problem);
  void leftover(std::string subject, std::string problem);

  // Filled by check_records.
  void add_image(const ImageRecord& record, std::string display_name);

 private:
  friend Result<StoreCheck> check_records(const Store& store, bool full);
  std::map<image::Digest, std::string> image_names_;
  std::map<image::Digest, std::vector<image::Digest>> layer_users_;  // diff id -> image ids
  std::map<image::Digest, LayerRecord> layers_;                      // whole in the store
};

// Records, names and blobs: readable, present, matching their digests (small
// blobs always; every blob with `full`), and what interrupted commands left.
// Layer contents are the caller's to measure (they belong to subordinate ids):
// StoreCheck::layers() lists the layers whose records are whole.
Result<StoreCheck> check_records(const Store& store, bool full);

// Deletes what `repair` names (images with their names, names, unreadable
// records; layers through the trash), then collects garbage when no pull
// runs (the gc lock is free).
Status repair_store(const Store& store, const StoreRepair& repair, const TreeRemover& remover);

}  // namespace sbx::store
