// A layer tar becomes an image: stored and unpacked like a pulled layer, and
// recorded on top of its parent with a new config and manifest.
#include "sandbox/images/commit.hpp"

#include <nlohmann/json.hpp>

#include "layers.hpp"

namespace sbx::images {

namespace fs = std::filesystem;

namespace {

Result<LayerToUnpack> store_layer(const store::Store& store, const fs::path& tar) {
  LayerToUnpack layer;
  layer.compression = image::Compression::kNone;
  layer.blob.media_type = std::string(image::media_type::kOciLayerTar);
  layer.blob.digest = SBX_TRY(image::sha256_of_file(tar));
  std::error_code ec;
  layer.blob.size = fs::file_size(tar, ec);
  layer.diff_id = layer.blob.digest;  // uncompressed
  FileLock lock = SBX_TRY(store.lock_blob(layer.blob.digest));
  if (!store.has_blob(layer.blob.digest)) SBX_TRY(store.commit_blob(tar, layer.blob.digest));
  return layer;
}

// Writes `config` and a manifest for `record`'s layers and records the image
// under `name` (empty: dangling).
Result<image::Digest> record_image(const store::Store& store, store::ImageRecord record,
                                   const std::string& config, const CommitInfo& info,
                                   const std::string& name) {
  record.id = SBX_TRY(store.write_blob(config));
  record.manifest_media_type = std::string(image::media_type::kOciManifest);
  record.manifest_digest =
      SBX_TRY(store.write_blob(oci_manifest_json(record.layers, record.id, config.size())));
  record.created = info.created;
  record.stored_at = static_cast<int64_t>(std::time(nullptr));
  record.repo_tags.clear();
  record.repo_digests.clear();
  std::vector<std::string> names;
  if (!name.empty()) names.push_back(name);
  SBX_TRY(store.add_image(record, names));
  return record.id;
}

}  // namespace

Result<image::Digest> add_layer_to_image(const store::Store& store,
                                         const store::ImageRecord& parent,
                                         const image::ImageConfig& parent_config,
                                         const NewLayer& layer, const std::string& name,
                                         ProgressSink& progress) {
  LayerToUnpack stored = SBX_TRY(store_layer(store, layer.tar));
  std::vector<LayerToUnpack> missing;
  if (!SBX_TRY(store.layer(stored.diff_id))) missing.push_back(stored);
  SBX_TRY(unpack_layers(store, missing, progress));

  std::string config = SBX_TRY(
      committed_config_json(parent_config.raw_json, stored.diff_id, layer.info, layer.changes));
  store::ImageRecord record = parent;
  record.layers.push_back(SBX_TRY(layer_records(store, {stored.diff_id})).front());
  return record_image(store, std::move(record), config, layer.info, name);
}

Result<image::Digest> change_image_config(const store::Store& store,
                                          const store::ImageRecord& parent,
                                          const image::ImageConfig& parent_config,
                                          const CommitInfo& info,
                                          const std::vector<ConfigChange>& changes) {
  std::string config =
      SBX_TRY(committed_config_json(parent_config.raw_json, image::Digest(), info, changes));
  return record_image(store, parent, config, info, "");
}

Result<store::ImageRecord> scratch_image(const store::Store& store,
                                         const image::Platform& platform) {
  std::string os = platform.os.empty() ? "linux" : platform.os;
  nlohmann::json doc{{"architecture", platform.architecture},
                     {"os", os},
                     {"config", nlohmann::json::object()},
                     {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
  if (!platform.variant.empty()) doc["variant"] = platform.variant;
  std::string config = doc.dump();
  store::ImageRecord record;
  record.os = os;
  record.architecture = platform.architecture;
  record.variant = platform.variant;
  image::Digest id = SBX_TRY(record_image(store, record, config, CommitInfo{}, ""));
  return store.image(id);
}

}  // namespace sbx::images
