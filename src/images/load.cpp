// `sandbox load`: docker-archive or oci-archive -> staging (every member
// hashed) -> plans for each image with every digest and diff id checked ->
// only then blobs committed, layers unpacked through pull's path (same
// hostile-path rules, same id scan) and images recorded last.
#include <unistd.h>

#include <ctime>
#include <set>

#include "layers.hpp"
#include "sandbox/images/archives.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/images/tree_remover.hpp"
#include "sandbox/rootfs/archive_reader.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::images {

namespace fs = std::filesystem;

namespace {

struct LayerPlan {
  const rootfs::ArchiveMember* member = nullptr;
  LayerToUnpack layer;
};

struct ImagePlan {
  std::string config;
  image::ImageConfig parsed;
  image::Digest id;
  std::optional<std::string> manifest;  // oci-archive: kept byte for byte
  std::vector<LayerPlan> layers;
  std::vector<std::string> names;
};

Result<ImagePlan> plan_config(const rootfs::ArchiveContents& contents,
                              const rootfs::ArchiveMember& member, std::string_view name) {
  ImagePlan plan;
  plan.config = SBX_TRY(contents.read(name, image::kMaxConfigBytes));
  plan.id = member.digest;
  plan.parsed = SBX_TRY_CTX(image::parse_config(plan.config), "config " + std::string(name));
  return plan;
}

Status check_layer_count(const ImagePlan& plan) {
  if (plan.layers.size() == plan.parsed.diff_ids.size()) return {};
  return fail("the image lists " + std::to_string(plan.layers.size()) + " layers but its config " +
              std::to_string(plan.parsed.diff_ids.size()) + " diff ids");
}

Result<ImagePlan> plan_oci_manifest(const rootfs::ArchiveContents& contents,
                                    const image::Descriptor& entry) {
  const rootfs::ArchiveMember* member = SBX_TRY(contents.blob(entry.digest, entry.size));
  std::string body = SBX_TRY(read_file(member->file));
  image::AnyManifest any = SBX_TRY(image::parse_any_manifest(body, entry.media_type));
  image::Digest manifest_digest = entry.digest;
  if (auto* index = std::get_if<image::ImageIndex>(&any)) {
    image::Descriptor chosen = SBX_TRY(image::select_manifest(*index, image::host_platform()));
    member = SBX_TRY(contents.blob(chosen.digest, chosen.size));
    body = SBX_TRY(read_file(member->file));
    any = SBX_TRY(image::parse_manifest(body));
  }
  const auto& manifest = std::get<image::ImageManifest>(any);
  const rootfs::ArchiveMember* config =
      SBX_TRY(contents.blob(manifest.config.digest, manifest.config.size));
  ImagePlan plan = SBX_TRY(plan_config(contents, *config, "blobs/sha256/" + config->digest.hex()));
  plan.manifest = body;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const image::Descriptor& blob = manifest.layers[i];
    LayerPlan layer;
    layer.member = SBX_TRY(contents.blob(blob.digest, blob.size));
    layer.layer.blob = blob;
    layer.layer.compression = SBX_TRY(image::layer_compression(blob.media_type));
    if (i < plan.parsed.diff_ids.size()) layer.layer.diff_id = plan.parsed.diff_ids[i];
    plan.layers.push_back(std::move(layer));
  }
  SBX_TRY(check_layer_count(plan));
  return plan;
}

Result<std::vector<ImagePlan>> plan_oci(const rootfs::ArchiveContents& contents) {
  std::string text = SBX_TRY(contents.read("index.json", image::kMaxManifestBytes));
  image::ImageIndex index = SBX_TRY_CTX(image::parse_index(text), "index.json");
  if (index.manifests.empty()) return fail("index.json lists no images");
  std::vector<ImagePlan> plans;
  std::vector<image::Digest> seen;
  for (const image::Descriptor& entry : index.manifests) {
    std::string name = oci_entry_name(entry);
    auto same = std::find(seen.begin(), seen.end(), entry.digest);
    if (same != seen.end()) {
      if (!name.empty()) plans[static_cast<size_t>(same - seen.begin())].names.push_back(name);
      continue;
    }
    ImagePlan plan = SBX_TRY_CTX(plan_oci_manifest(contents, entry), "image " + entry.digest.str());
    if (!name.empty()) plan.names.push_back(name);
    seen.push_back(entry.digest);
    plans.push_back(std::move(plan));
  }
  return plans;
}

// "<64 hex>.json" and "blobs/sha256/<64 hex>" promise their digest.
Status check_named_digest(const std::string& name, const rootfs::ArchiveMember& member) {
  std::string base = name.substr(name.rfind('/') + 1);
  if (base.ends_with(".json")) base.resize(base.size() - 5);
  auto promised = image::Digest::from_sha256_hex(base);
  if (promised && *promised != member.digest)
    return fail(name + " in the archive has digest " + member.digest.str(), EBADMSG);
  return {};
}

Result<ImagePlan> plan_docker_image(const rootfs::ArchiveContents& contents,
                                    const DockerArchiveImage& entry) {
  const rootfs::ArchiveMember* config = contents.find(entry.config);
  if (!config) return fail("the archive lacks " + entry.config, ENOENT);
  SBX_TRY(check_named_digest(entry.config, *config));
  ImagePlan plan = SBX_TRY(plan_config(contents, *config, entry.config));
  for (const std::string& path : entry.layers) {
    LayerPlan layer;
    layer.member = contents.find(path);
    if (!layer.member) return fail("the archive lacks layer " + path, ENOENT);
    layer.layer.compression = SBX_TRY(store::sniff_compression(layer.member->file));
    layer.layer.blob.media_type = std::string(
        layer.layer.compression == image::Compression::kGzip   ? image::media_type::kOciLayerGzip
        : layer.layer.compression == image::Compression::kZstd ? image::media_type::kOciLayerZstd
                                                               : image::media_type::kOciLayerTar);
    layer.layer.blob.digest = layer.member->digest;
    layer.layer.blob.size = layer.member->size;
    size_t i = plan.layers.size();
    if (i < plan.parsed.diff_ids.size()) layer.layer.diff_id = plan.parsed.diff_ids[i];
    plan.layers.push_back(std::move(layer));
  }
  SBX_TRY(check_layer_count(plan));
  for (const std::string& tag : entry.repo_tags)
    plan.names.push_back(SBX_TRY_CTX(store::canonical_tag(tag), "RepoTags"));
  return plan;
}

Result<std::vector<ImagePlan>> plan_docker(const rootfs::ArchiveContents& contents) {
  std::string text = SBX_TRY(contents.read("manifest.json", image::kMaxManifestBytes));
  std::vector<DockerArchiveImage> entries = SBX_TRY(parse_docker_archive_manifest(text));
  std::vector<ImagePlan> plans;
  for (const DockerArchiveImage& entry : entries)
    plans.push_back(SBX_TRY_CTX(plan_docker_image(contents, entry), "image " + entry.config));
  return plans;
}

Result<std::vector<ImagePlan>> plan_images(const rootfs::ArchiveContents& contents) {
  for (const auto& [name, member] : contents.files)
    if (name.starts_with("blobs/sha256/")) SBX_TRY(check_named_digest(name, member));
  if (contents.has("index.json")) return plan_oci(contents);
  if (contents.has("manifest.json")) return plan_docker(contents);
  return fail("not a docker-archive or oci-archive: no manifest.json or index.json in it");
}

// Every layer's uncompressed content against the config's diff id.
Status verify_layers(const std::vector<ImagePlan>& plans, ProgressSink& progress) {
  std::map<const rootfs::ArchiveMember*, image::Digest> checked;
  for (const ImagePlan& plan : plans) {
    for (const LayerPlan& layer : plan.layers) {
      auto done = checked.find(layer.member);
      if (done != checked.end() && done->second == layer.layer.diff_id) continue;
      progress.blob(layer.layer.blob.digest, BlobEvent::kVerifying, 0, 0);
      auto got =
          SBX_TRY_CTX(store::uncompressed_digest(layer.member->file, layer.layer.compression),
                      "layer " + layer.layer.blob.digest.str());
      if (got.digest != layer.layer.diff_id)
        return fail("layer " + layer.layer.blob.digest.str() +
                        ": uncompressed content has digest " + got.digest.str() +
                        ", but the image config says " + layer.layer.diff_id.str(),
                    EBADMSG);
      checked[layer.member] = layer.layer.diff_id;
    }
  }
  return {};
}

// What this load put into the store, for a roll back.
struct Added {
  std::vector<image::Digest> blobs;
  std::vector<image::Digest> layers;
};

Result<std::vector<LayerToUnpack>> commit_blobs(const store::Store& store,
                                                const std::vector<ImagePlan>& plans, Added& added) {
  std::vector<LayerToUnpack> missing;
  for (const ImagePlan& plan : plans) {
    for (const LayerPlan& layer : plan.layers) {
      if (SBX_TRY(store.layer(layer.layer.diff_id))) continue;
      const image::Digest& digest = layer.layer.blob.digest;
      FileLock lock = SBX_TRY(store.lock_blob(digest));
      if (!store.has_blob(digest)) {
        SBX_TRY(store.commit_blob(layer.member->file, digest));
        added.blobs.push_back(digest);
      }
      missing.push_back(layer.layer);
      added.layers.push_back(layer.layer.diff_id);
    }
  }
  return missing;
}

// After a failed unpack (a hostile or unmappable layer): removes the layers
// and blobs this load added that no image uses, so nothing of it stays. Only
// while no pull, run or load holds the store (gc lock free): one of them could
// be about to use a layer it found here. Otherwise `image prune` collects them.
void roll_back(const store::Store& store, const Added& added, FileLock& gc) {
  gc = FileLock();
  auto exclusive = store.try_lock_gc_exclusive();
  if (!exclusive || !exclusive->holds()) return;
  auto records = store.images();
  if (!records) return;
  std::set<image::Digest> used;
  for (const store::ImageRecord& record : *records) {
    for (const store::LayerRecord& layer : record.layers) {
      used.insert(layer.diff_id);
      used.insert(layer.digest);
    }
  }
  std::vector<fs::path> trees;
  for (const image::Digest& diff_id : added.layers)
    if (!used.contains(diff_id) && path_exists(store.layer_dir(diff_id)))
      trees.push_back(store.layer_dir(diff_id));
  (void)userns_tree_remover()(trees);
  for (const image::Digest& blob : added.blobs)
    if (!used.contains(blob)) ::unlink(store.blob_path(blob).c_str());
}

std::string docker_manifest_json(const ImagePlan& plan) {
  std::vector<image::Descriptor> layers;
  for (const LayerPlan& layer : plan.layers) layers.push_back(layer.layer.blob);
  image::Descriptor config{
      std::string(image::media_type::kOciConfig), plan.id, plan.config.size(), {}, {}, {}};
  return oci_manifest_json(config, layers);
}

Result<LoadedImage> record_image(const store::Store& store, const ImagePlan& plan) {
  store::ImageRecord record;
  record.id = SBX_TRY(store.write_blob(plan.config));
  std::string manifest = plan.manifest ? *plan.manifest : docker_manifest_json(plan);
  record.manifest_digest = SBX_TRY(store.write_blob(manifest));
  record.manifest_media_type = SBX_TRY(image::parse_manifest(manifest)).media_type;
  record.layers = SBX_TRY(layer_records(store, plan.parsed.diff_ids));
  record.os = plan.parsed.os;
  record.architecture = plan.parsed.architecture;
  record.variant = plan.parsed.variant;
  record.created = plan.parsed.created;
  record.stored_at = static_cast<int64_t>(std::time(nullptr));
  SBX_TRY(store.add_image(record, plan.names));
  return LoadedImage{record.id, plan.names};
}

// `dir` set: an unpacked archive there; else the archive on `in_fd`.
Result<std::vector<LoadedImage>> load(const store::Store& store, int in_fd,
                                      const std::filesystem::path* dir, ProgressSink& progress) {
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  TempDir staging = SBX_TRY(TempDir::create(store.root() / "tmp", "load-"));
  rootfs::ArchiveContents contents =
      dir ? SBX_TRY(rootfs::read_image_directory(*dir, staging.path()))
          : SBX_TRY(rootfs::read_image_archive(in_fd, staging.path()));
  std::vector<ImagePlan> plans = SBX_TRY(plan_images(contents));
  SBX_TRY(verify_layers(plans, progress));
  // Nothing entered the store until here.
  Added added;
  std::vector<LayerToUnpack> missing = SBX_TRY(commit_blobs(store, plans, added));
  if (Status unpacked = unpack_layers(store, missing, progress); !unpacked) {
    roll_back(store, added, gc);
    return std::unexpected(std::move(unpacked).error());
  }
  std::vector<LoadedImage> loaded;
  for (const ImagePlan& plan : plans) loaded.push_back(SBX_TRY(record_image(store, plan)));
  return loaded;
}

}  // namespace

Result<std::vector<LoadedImage>> load_images(const store::Store& store, int in_fd,
                                             ProgressSink& progress) {
  return with_context(load(store, in_fd, nullptr, progress), "load");
}

Result<std::vector<LoadedImage>> load_images_from_directory(const store::Store& store,
                                                            const std::filesystem::path& dir,
                                                            ProgressSink& progress) {
  return with_context(load(store, -1, &dir, progress), "load " + dir.native());
}

}  // namespace sbx::images
