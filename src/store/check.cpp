// The record-level part of `sandbox system check` (check.hpp): everything that
// can be read as the user, without entering the user namespace.
#include "sandbox/store/check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "sandbox/image/manifest.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

std::string short_id(const image::Digest& id) { return "sha256:" + id.short_hex(); }

std::vector<std::string> entries_of(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    names.push_back(entry.path().filename().native());
  return names;
}

// A small blob that must be there and match its digest.
std::string small_blob_problem(const Store& store, const image::Digest& digest, size_t max,
                               std::string_view what) {
  if (!store.has_blob(digest)) return std::string(what) + " blob " + digest.str() + " is missing";
  auto read = store.read_blob(digest, max);
  return read ? "" : std::string(what) + ": " + read.error().message();
}

void check_image(const Store& store, const ImageRecord& record, StoreCheck& check) {
  if (auto problem = small_blob_problem(store, record.id, image::kMaxConfigBytes, "config");
      !problem.empty())
    check.image_damaged(record.id, problem);
  if (!record.manifest_digest.empty())
    if (auto problem =
            small_blob_problem(store, record.manifest_digest, image::kMaxManifestBytes, "manifest");
        !problem.empty())
      check.image_damaged(record.id, problem);
}

void check_layer(const Store& store, const LayerRecord& layer, bool full, StoreCheck& check) {
  auto found = store.layer(layer.diff_id);
  if (!found || !*found) {
    check.layer_damaged(layer.diff_id,
                        found ? "is not in the store (no layer.json or no diff/)"
                              : "its record cannot be read: " + found.error().message());
    return;
  }
  if (layer.digest.empty()) return;  // imported or committed: no blob is kept
  if (!store.has_blob(layer.digest)) {
    check.layer_damaged(layer.diff_id, "its blob " + layer.digest.str() + " is missing");
  } else if (full && image::sha256_of_file(store.blob_path(layer.digest)) != layer.digest) {
    check.layer_damaged(layer.diff_id,
                        "its blob " + layer.digest.str() + " does not match its digest");
  }
}

// What interrupted commands left: collectable, and no damage.
void find_leftovers(const Store& store, const std::set<std::string>& live_layers,
                    StoreCheck& check) {
  size_t half = 0, unused = 0;
  for (const std::string& name : entries_of(store.root() / "layers")) {
    if (live_layers.contains(name)) continue;
    ++(path_exists(store.root() / "layers" / name / "layer.json") ? unused : half);
  }
  if (half > 0)
    check.leftover("layers/", std::to_string(half) + " interrupted unpack(s) of a layer");
  if (unused > 0) check.leftover("layers/", std::to_string(unused) + " layer(s) no image uses");
  // tmp/trash/ is not reported: the next run deletes it anyway (an untouched
  // --rm container waits there on purpose), and --repair empties it.
  if (size_t partial = entries_of(store.root() / "tmp/blobs").size(); partial > 0)
    check.leftover("tmp/blobs/", std::to_string(partial) + " partial download(s)");
}

}  // namespace

bool StoreCheck::damaged() const {
  return std::any_of(findings.begin(), findings.end(), [](const auto& f) { return f.damaged; });
}

void StoreCheck::add_image(const ImageRecord& record, std::string display_name) {
  ++image_count;
  image_names_[record.id] = std::move(display_name);
  for (const LayerRecord& layer : record.layers) {
    auto& users = layer_users_[layer.diff_id];
    if (std::find(users.begin(), users.end(), record.id) == users.end()) users.push_back(record.id);
  }
}

void StoreCheck::image_damaged(const image::Digest& id, std::string problem) {
  const std::string& name = image_names_[id];
  findings.push_back({true, "image " + name, std::move(problem), {name}});
  repair.images.insert(id);
}

void StoreCheck::layer_damaged(const image::Digest& diff_id, std::string problem) {
  StoreFinding finding{true, "layer " + diff_id.str(), std::move(problem), {}};
  for (const image::Digest& id : layer_users_[diff_id]) {
    finding.images.push_back(image_names_[id]);
    repair.images.insert(id);
  }
  findings.push_back(std::move(finding));
  repair.layers.insert(diff_id);
  layers_.erase(diff_id);
}

void StoreCheck::leftover(std::string subject, std::string problem) {
  findings.push_back({false, std::move(subject), std::move(problem), {}});
  repair.collect = true;
}

Result<StoreCheck> check_records(const Store& store, bool full) {
  StoreCheck check;
  NameIndex names;
  if (auto read = store.read_names()) {
    names = std::move(*read);
  } else {
    check.findings.push_back({true, "images/names.json", read.error().message(), {}});
    check.repair.files.push_back(store.root() / "images/names.json");
  }
  std::set<std::string> live_layers;
  std::vector<ImageRecord> records;
  std::set<image::Digest> ids;
  for (const image::Digest& id : SBX_TRY(store.image_ids())) {
    ids.insert(id);
    auto tags = names.tags_of(id);
    auto digests = names.digests_of(id);
    std::string shown = !tags.empty() ? tags[0] : !digests.empty() ? digests[0] : short_id(id);
    shown += " (" + short_id(id) + ")";
    auto record = store.read_image_record(id);
    if (!record) {  // the repair drops it with its names
      check.image_names_[id] = shown;
      check.image_damaged(id, record.error().message());
      continue;
    }
    check.add_image(*record, shown);
    for (const LayerRecord& layer : record->layers) live_layers.insert(layer.diff_id.hex());
    records.push_back(std::move(*record));
  }
  for (const auto* index : {&names.tags, &names.digests})
    for (const auto& [name, id] : *index)
      if (!ids.contains(id)) check.repair.names.insert(name);
  for (const std::string& name : check.repair.names)
    check.findings.push_back({true, "name " + name, "points at an image that is gone", {}});
  for (const ImageRecord& record : records) {
    check_image(store, record, check);
    for (const LayerRecord& layer : record.layers) {
      if (check.repair.layers.contains(layer.diff_id) || check.layers().contains(layer.diff_id))
        continue;  // checked for an earlier image
      check.layers_.emplace(layer.diff_id, layer);
      check_layer(store, layer, full, check);
    }
  }
  check.layer_count = live_layers.size();
  find_leftovers(store, live_layers, check);
  return check;
}

Status repair_store(const Store& store, const StoreRepair& repair, const TreeRemover& remover) {
  {
    FileLock lock = SBX_TRY(store.lock_records());
    for (const fs::path& file : repair.files)
      if (::unlink(file.c_str()) != 0 && errno != ENOENT)
        return fail_errno("unlink", file.native());
    NameIndex names = store.read_names().value_or(NameIndex{});
    for (const image::Digest& id : repair.images) {
      names.drop_image(id);
      SBX_TRY(store.delete_image_record(id));
    }
    for (const std::string& name : repair.names) {
      names.tags.erase(name);
      names.digests.erase(name);
    }
    SBX_TRY(store.write_names(names));
    for (const image::Digest& diff_id : repair.layers)
      SBX_TRY(store.move_to_trash(store.layer_dir(diff_id)));
  }
  // What the dropped images alone used goes too, unless a pull is under way.
  FileLock gc = SBX_TRY(store.try_lock_gc_exclusive());
  if (gc.holds()) SBX_TRY_CTX(store.collect(remover), "collect unused layers");
  return {};
}

}  // namespace sbx::store
