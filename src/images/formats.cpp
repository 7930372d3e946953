// docker-archive's manifest.json / repositories and the OCI layout's
// index.json: reading and writing the small documents of image archives.
#include <nlohmann/json.hpp>

#include "sandbox/image/reference.hpp"
#include "sandbox/images/formats.hpp"

namespace sbx::images {

using nlohmann::json;

namespace {

constexpr size_t kMaxDocumentBytes = 4u << 20;

Result<std::vector<std::string>> string_list(const json& object, const char* key, bool required) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return fail(std::string("missing field '") + key + "'");
    return out;
  }
  if (!it->is_array()) return fail(std::string("field '") + key + "' must be an array");
  for (const json& item : *it) {
    if (!item.is_string()) return fail(std::string("field '") + key + "' must hold strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<DockerArchiveImage> parse_docker_entry(const json& entry) {
  if (!entry.is_object()) return fail("an entry is not an object");
  DockerArchiveImage image;
  auto config = entry.find("Config");
  if (config == entry.end() || !config->is_string() || config->get<std::string>().empty())
    return fail("missing field 'Config'");
  image.config = config->get<std::string>();
  image.repo_tags = SBX_TRY(string_list(entry, "RepoTags", false));
  image.layers = SBX_TRY(string_list(entry, "Layers", true));
  return image;
}

}  // namespace

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view text) {
  if (text.size() > kMaxDocumentBytes) return fail("manifest.json is too large");
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return fail("manifest.json is not valid JSON");
  if (!doc.is_array()) return fail("manifest.json must be an array");
  if (doc.empty()) return fail("manifest.json lists no images");
  std::vector<DockerArchiveImage> images;
  for (size_t i = 0; i < doc.size(); ++i)
    images.push_back(
        SBX_TRY_CTX(parse_docker_entry(doc[i]), "manifest.json[" + std::to_string(i) + "]"));
  return images;
}

std::string docker_archive_manifest_json(const std::vector<DockerArchiveImage>& images) {
  json doc = json::array();
  for (const DockerArchiveImage& image : images) {
    json tags = image.repo_tags.empty() ? json(nullptr) : json(image.repo_tags);
    doc.push_back({{"Config", image.config}, {"RepoTags", tags}, {"Layers", image.layers}});
  }
  return doc.dump();
}

std::string docker_repositories_json(const std::vector<DockerArchiveImage>& images,
                                     const std::vector<std::string>& top_layer_ids) {
  json doc = json::object();
  for (size_t i = 0; i < images.size() && i < top_layer_ids.size(); ++i) {
    for (const std::string& tag : images[i].repo_tags) {
      size_t colon = tag.rfind(':');
      if (colon == std::string::npos || tag.find('/', colon) != std::string::npos) continue;
      doc[tag.substr(0, colon)][tag.substr(colon + 1)] = top_layer_ids[i];
    }
  }
  return doc.dump();
}

std::string oci_index_json(const std::vector<image::Descriptor>& manifests) {
  json list = json::array();
  for (const image::Descriptor& d : manifests) {
    json entry{{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
    if (!d.annotations.empty()) entry["annotations"] = d.annotations;
    if (d.platform) {
      entry["platform"] = {{"os", d.platform->os}, {"architecture", d.platform->architecture}};
      if (!d.platform->variant.empty()) entry["platform"]["variant"] = d.platform->variant;
    }
    list.push_back(std::move(entry));
  }
  json doc{{"schemaVersion", 2},
           {"mediaType", image::media_type::kOciIndex},
           {"manifests", std::move(list)}};
  return doc.dump();
}

std::string oci_manifest_json(const image::Descriptor& config,
                              const std::vector<image::Descriptor>& layers) {
  auto descriptor = [](const image::Descriptor& d) {
    return json{{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  };
  json list = json::array();
  for (const image::Descriptor& layer : layers) list.push_back(descriptor(layer));
  json manifest{{"schemaVersion", 2},
                {"mediaType", image::media_type::kOciManifest},
                {"config", descriptor(config)},
                {"layers", std::move(list)}};
  return manifest.dump();
}

std::string oci_manifest_json(const std::vector<store::LayerRecord>& layers,
                              const image::Digest& config, size_t config_size) {
  std::vector<image::Descriptor> blobs;
  for (const store::LayerRecord& layer : layers)
    blobs.push_back({layer.media_type, layer.digest, layer.compressed_size, {}, {}, {}});
  image::Descriptor config_blob{
      std::string(image::media_type::kOciConfig), config, config_size, {}, {}, {}};
  return oci_manifest_json(config_blob, blobs);
}

Result<ManifestFormat> parse_manifest_format(std::string_view text) {
  if (text == "oci") return ManifestFormat::kOci;
  if (text == "v2s2" || text == "docker") return ManifestFormat::kDockerV2S2;
  return fail("unknown manifest format '" + std::string(text) + "' (oci or v2s2)");
}

std::string_view manifest_media_type(ManifestFormat format) {
  return format == ManifestFormat::kOci ? image::media_type::kOciManifest
                                        : image::media_type::kDockerManifest;
}

namespace {

// A layer's media type in `format`.
Result<std::string_view> layer_type_in(const image::Descriptor& layer, ManifestFormat format) {
  namespace mt = image::media_type;
  std::string_view type = layer.media_type;
  bool foreign = type == mt::kDockerLayerForeignGzip || type == mt::kOciLayerNondistributableGzip;
  image::Compression compression = SBX_TRY(image::layer_compression(type));
  if (format == ManifestFormat::kOci) {
    if (foreign) return mt::kOciLayerNondistributableGzip;
    if (compression == image::Compression::kGzip) return mt::kOciLayerGzip;
    return compression == image::Compression::kZstd ? mt::kOciLayerZstd : mt::kOciLayerTar;
  }
  if (compression != image::Compression::kGzip)
    return fail(Error("layer " + layer.digest.str() + " (" + std::string(type) +
                      ") cannot be carried by a Docker v2s2 manifest, which knows only gzip layers")
                    .with_hint("push with --format oci, or with --compression-format gzip"));
  return foreign ? mt::kDockerLayerForeignGzip : mt::kDockerLayerGzip;
}

}  // namespace

Result<std::string> manifest_in_format(const image::ImageManifest& manifest,
                                       ManifestFormat format) {
  auto descriptor = [](std::string_view type, const image::Descriptor& d) {
    json out{{"mediaType", type}, {"digest", d.digest.str()}, {"size", d.size}};
    if (!d.urls.empty()) out["urls"] = d.urls;
    return out;
  };
  json layers = json::array();
  for (const image::Descriptor& layer : manifest.layers)
    layers.push_back(descriptor(SBX_TRY(layer_type_in(layer, format)), layer));
  std::string_view config_type = format == ManifestFormat::kOci ? image::media_type::kOciConfig
                                                                : image::media_type::kDockerConfig;
  json doc{{"schemaVersion", 2},
           {"mediaType", manifest_media_type(format)},
           {"config", descriptor(config_type, manifest.config)},
           {"layers", std::move(layers)}};
  return doc.dump();
}

std::string oci_entry_name(const image::Descriptor& entry) {
  auto canonical = [](const std::string& text) -> std::string {
    auto reference = image::parse_reference(text);
    if (!reference || reference->tag.empty() || !reference->digest.empty()) return {};
    return reference->repository() + ":" + reference->tag;
  };
  if (auto it = entry.annotations.find(std::string(kContainerdNameAnnotation));
      it != entry.annotations.end())
    return canonical(it->second);
  auto it = entry.annotations.find(std::string(kOciRefNameAnnotation));
  if (it == entry.annotations.end()) return {};
  // A bare tag ("latest", "v1") names no repository.
  if (it->second.find_first_of("/:") == std::string::npos) return {};
  return canonical(it->second);
}

}  // namespace sbx::images
