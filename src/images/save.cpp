// `sandbox save`: images as docker-archive (manifest.json, <config>.json,
// uncompressed layer tars, repositories: what `docker save` and skopeo's
// docker-archive: write) or oci-archive (an OCI image layout: oci-layout,
// index.json, blobs/sha256/). The config blob is written byte for byte, so a
// load gives the same image id; oci-archive also keeps the stored manifest and
// the compressed layer blobs as they are.
#include <set>

#include "layers.hpp"
#include "sandbox/images/archives.hpp"
#include "sandbox/images/formats.hpp"
#include "sandbox/rootfs/tar_writer.hpp"
#include "sandbox/store/layer_digest.hpp"

namespace sbx::images {

namespace fs = std::filesystem;

namespace {

struct SaveItem {
  store::ImageRecord record;
  std::string config;
  std::vector<std::string> names;  // canonical tags asked for
};

Result<std::vector<SaveItem>> resolve_items(const store::Store& store,
                                            const std::vector<std::string>& texts) {
  std::vector<SaveItem> items;
  for (const std::string& text : texts) {
    store::ImageRecord record = SBX_TRY(store.resolve(text));
    std::string name;
    if (auto tag = store::canonical_tag(text); tag) {
      for (const std::string& t : record.repo_tags)
        if (t == *tag) name = t;
    }
    auto same = std::find_if(items.begin(), items.end(),
                             [&](const SaveItem& i) { return i.record.id == record.id; });
    if (same == items.end()) {
      SaveItem item{record, SBX_TRY(store.read_blob(record.id, image::kMaxConfigBytes)), {}};
      items.push_back(std::move(item));
      same = items.end() - 1;
    }
    if (!name.empty() &&
        std::find(same->names.begin(), same->names.end(), name) == same->names.end())
      same->names.push_back(name);
  }
  return items;
}

std::string familiar(const std::string& canonical) {
  store::DisplayName shown = store::display_name(canonical);
  return shown.repository + ":" + shown.tag;
}

Status write_docker_layer(const store::Store& store, const store::LayerRecord& layer,
                          const std::string& name, rootfs::TarWriter& writer) {
  fs::path blob = store.blob_path(layer.digest);
  image::Compression compression = SBX_TRY(image::layer_compression(layer.media_type));
  if (compression == image::Compression::kNone) return writer.add_host_file(name, blob);
  auto plain = SBX_TRY(store::uncompressed_digest(blob, compression));
  return writer.add_decompressed(name, blob, plain.size);
}

Status write_docker_archive(const store::Store& store, const std::vector<SaveItem>& items,
                            rootfs::TarWriter& writer) {
  std::vector<DockerArchiveImage> entries;
  std::vector<std::string> top_layers;
  std::set<std::string> written;
  for (const SaveItem& item : items) {
    DockerArchiveImage entry;
    entry.config = item.record.id.hex() + ".json";
    SBX_TRY(writer.add_bytes(entry.config, item.config));
    for (const store::LayerRecord& layer : item.record.layers) {
      std::string name = layer.diff_id.hex() + "/layer.tar";
      if (written.insert(name).second)
        SBX_TRY_CTX(write_docker_layer(store, layer, name, writer), "layer " + layer.digest.str());
      entry.layers.push_back(name);
    }
    for (const std::string& name : item.names) entry.repo_tags.push_back(familiar(name));
    top_layers.push_back(item.record.layers.empty() ? "" : item.record.layers.back().diff_id.hex());
    entries.push_back(std::move(entry));
  }
  SBX_TRY(writer.add_bytes("manifest.json", docker_archive_manifest_json(entries)));
  return writer.add_bytes("repositories", docker_repositories_json(entries, top_layers));
}

Status write_oci_archive(const store::Store& store, const std::vector<SaveItem>& items,
                         rootfs::TarWriter& writer) {
  SBX_TRY(writer.add_bytes("oci-layout", kOciLayoutJson));
  SBX_TRY(writer.add_dir("blobs/"));
  SBX_TRY(writer.add_dir("blobs/sha256/"));
  std::set<std::string> written;
  std::vector<image::Descriptor> index;
  for (const SaveItem& item : items) {
    for (const store::LayerRecord& layer : item.record.layers) {
      if (written.insert(layer.digest.hex()).second)
        SBX_TRY(writer.add_host_file("blobs/sha256/" + layer.digest.hex(),
                                     store.blob_path(layer.digest)));
    }
    if (written.insert(item.record.id.hex()).second)
      SBX_TRY(writer.add_bytes("blobs/sha256/" + item.record.id.hex(), item.config));
    std::string manifest = SBX_TRY(stored_manifest(store, item.record, item.config.size()));
    image::Descriptor descriptor;
    descriptor.digest = image::sha256_of(manifest);
    descriptor.size = manifest.size();
    descriptor.media_type = SBX_TRY(image::parse_manifest(manifest)).media_type;
    if (written.insert(descriptor.digest.hex()).second)
      SBX_TRY(writer.add_bytes("blobs/sha256/" + descriptor.digest.hex(), manifest));
    if (item.names.empty()) index.push_back(descriptor);
    for (const std::string& name : item.names) {
      image::Descriptor named = descriptor;
      named.annotations[std::string(kContainerdNameAnnotation)] = name;
      named.annotations[std::string(kOciRefNameAnnotation)] = store::display_name(name).tag;
      index.push_back(std::move(named));
    }
  }
  return writer.add_bytes("index.json", oci_index_json(index));
}

Status save(const store::Store& store, const std::vector<std::string>& texts, ArchiveFormat format,
            int out_fd) {
  if (texts.empty()) return fail("save: name at least one image");
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  std::vector<SaveItem> items = SBX_TRY(resolve_items(store, texts));
  rootfs::TarWriter writer = SBX_TRY(rootfs::TarWriter::open(out_fd));
  if (format == ArchiveFormat::kDockerArchive)
    SBX_TRY(write_docker_archive(store, items, writer));
  else
    SBX_TRY(write_oci_archive(store, items, writer));
  return writer.close();
}

}  // namespace

Result<std::string> stored_manifest(const store::Store& store, const store::ImageRecord& record,
                                    size_t config_size) {
  if (!record.manifest_digest.empty() && store.has_blob(record.manifest_digest)) {
    std::string body = SBX_TRY(store.read_blob(record.manifest_digest, image::kMaxManifestBytes));
    auto parsed = image::parse_manifest(body);
    bool usable = parsed && parsed->config.digest == record.id &&
                  parsed->layers.size() == record.layers.size();
    for (size_t i = 0; usable && i < parsed->layers.size(); ++i)
      usable = parsed->layers[i].digest == record.layers[i].digest;
    if (usable) return body;
  }
  return oci_manifest_json(record.layers, record.id, config_size);
}

Result<ArchiveFormat> parse_archive_format(std::string_view text) {
  if (text == "docker-archive" || text == "docker") return ArchiveFormat::kDockerArchive;
  if (text == "oci-archive" || text == "oci") return ArchiveFormat::kOciArchive;
  return fail("unknown archive format '" + std::string(text) + "' (docker-archive or oci-archive)");
}

Status save_images(const store::Store& store, const std::vector<std::string>& images,
                   ArchiveFormat format, int out_fd) {
  std::string what = "save";
  for (const std::string& image : images) what += " " + image;
  return with_context(save(store, images, format, out_fd), what);
}

}  // namespace sbx::images
