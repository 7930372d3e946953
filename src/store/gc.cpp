// Garbage collection (layers and blobs no image uses, leftovers of killed
// pulls) and disk usage.
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "sandbox/store/store.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

struct LiveSet {
  std::set<std::string> layers;  // diff id hex
  std::set<std::string> blobs;   // digest hex
};

uint64_t lstat_size(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Entries of `dir` (names), or an error naming the dir.
Result<std::vector<std::string>> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    names.push_back(entry.path().filename().native());
  if (ec) return fail_errno("readdir", dir.native(), ec.value());
  return names;
}

bool starts_with_live(const std::string& name, const std::set<std::string>& live,
                      std::string_view prefix) {
  return name.starts_with(prefix) && live.contains(name.substr(prefix.size()));
}

}  // namespace

Result<PruneResult> Store::collect(const TreeRemover& remover) const {
  FileLock lock = SBX_TRY(lock_records());
  LiveSet live;
  for (const image::Digest& id : SBX_TRY(image_ids())) {
    ImageRecord record = SBX_TRY(read_image_record(id));
    live.blobs.insert(record.id.hex());
    if (!record.manifest_digest.empty()) live.blobs.insert(record.manifest_digest.hex());
    for (const LayerRecord& layer : record.layers) {
      live.layers.insert(layer.diff_id.hex());
      if (!layer.digest.empty()) live.blobs.insert(layer.digest.hex());
    }
  }
  PruneResult result;
  // Dead layers leave layers/ in one rename each: a kill during the delete
  // must never leave a layer.json beside a half-deleted diff/.
  for (const std::string& name : SBX_TRY(list_dir(root_ / "layers"))) {
    if (live.layers.contains(name)) continue;
    auto diff_id = image::Digest::from_sha256_hex(name);
    if (diff_id) {
      if (auto record = layer(*diff_id); record && *record) {
        result.reclaimed_bytes += (*record)->size;
        result.layers.push_back(*diff_id);
      }
    }
    SBX_TRY(move_to_trash(root_ / "layers" / name));
  }
  for (const std::string& name : SBX_TRY(list_dir(root_ / "blobs/sha256"))) {
    if (live.blobs.contains(name)) continue;
    fs::path path = root_ / "blobs/sha256" / name;
    result.reclaimed_bytes += lstat_size(path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_errno("unlink", path.native());
  }
  // A layer of mount points goes with its image (and a half-made one with it).
  if (fs::path dir = root_ / "cache" / "mount-points"; path_exists(dir))
    for (const std::string& name : SBX_TRY(list_dir(dir)))
      if (!live.blobs.contains(name)) SBX_TRY(move_to_trash(dir / name));
  // No pull runs (the caller holds the gc lock): partials and staging are
  // stale, and the trash (with what was just moved there) goes too.
  std::vector<fs::path> trees;
  for (const std::string& name : SBX_TRY(list_dir(root_ / "tmp")))
    if (name != "blobs") trees.push_back(root_ / "tmp" / name);
  for (const std::string& name : SBX_TRY(list_dir(root_ / "tmp/blobs")))
    trees.push_back(root_ / "tmp/blobs" / name);
  for (const std::string& name : SBX_TRY(list_dir(root_ / "locks"))) {
    bool stale = (name.starts_with("blob-") && !starts_with_live(name, live.blobs, "blob-")) ||
                 (name.starts_with("layer-") && !starts_with_live(name, live.layers, "layer-"));
    if (stale) ::unlink((root_ / "locks" / name).c_str());
  }
  if (!trees.empty()) SBX_TRY(remover(trees));
  return result;
}

Result<PruneResult> Store::prune(bool all, const TreeRemover& remover) const {
  FileLock gc = SBX_TRY(lock_gc_exclusive());
  std::vector<image::Digest> removed;
  {
    FileLock lock = SBX_TRY(lock_records());
    NameIndex names = SBX_TRY(read_names());
    for (const image::Digest& id : SBX_TRY(image_ids())) {
      if (!all && !names.tags_of(id).empty()) continue;
      if (!SBX_TRY(containers_using(id)).empty()) continue;
      names.drop_image(id);
      SBX_TRY(write_names(names));
      SBX_TRY(delete_image_record(id));
      removed.push_back(id);
    }
  }
  PruneResult result = SBX_TRY(collect(remover));
  result.images = std::move(removed);
  return result;
}

uint64_t visible_tree_bytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  auto options = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(dir, options, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_regular_file(ec)) bytes += lstat_size(it->path());
  return bytes;
}

Result<DiskUsage> Store::disk_usage() const {
  DiskUsage usage;
  std::set<std::string> counted;
  std::set<std::string> in_use;  // layers of images a container uses
  for (const ImageRecord& record : SBX_TRY(images())) {
    ++usage.images;
    bool used = !SBX_TRY(containers_using(record.id)).empty();
    if (used) ++usage.images_in_use;
    for (const LayerRecord& layer : record.layers) {
      if (used) in_use.insert(layer.diff_id.hex());
      if (counted.insert(layer.diff_id.hex()).second) usage.images_bytes += layer.size;
    }
  }
  for (const image::Digest& id : SBX_TRY(image_ids())) {
    for (const LayerRecord& layer : SBX_TRY(read_image_record(id)).layers) {
      if (in_use.contains(layer.diff_id.hex())) continue;
      in_use.insert(layer.diff_id.hex());  // count each reclaimable layer once
      usage.reclaimable_bytes += layer.size;
    }
  }
  for (const std::string& name : SBX_TRY(list_dir(root_ / "layers")))
    if (path_exists(root_ / "layers" / name / "layer.json")) ++usage.layers;  // complete ones
  for (const std::string& name : SBX_TRY(list_dir(root_ / "blobs/sha256"))) {
    ++usage.blobs;
    usage.blobs_bytes += lstat_size(root_ / "blobs/sha256" / name);
  }
  for (const std::string& name : SBX_TRY(list_dir(containers_dir()))) {
    ++usage.containers;
    usage.containers_bytes += visible_tree_bytes(containers_dir() / name);
  }
  return usage;
}

}  // namespace sbx::store
