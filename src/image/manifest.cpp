// Index, manifest and config parsers. Every document is checked for size,
// JSON validity, schemaVersion and media types before anything uses it.
#include "sandbox/image/manifest.hpp"

#include "json_fields.hpp"

namespace sbx::image {
namespace {

using detail::json;

bool in(std::string_view type, std::initializer_list<std::string_view> types) {
  for (auto t : types)
    if (t == type) return true;
  return false;
}

Result<Platform> parse_descriptor_platform(const json& object) {
  if (!object.is_object()) return fail("field 'platform' must be an object");
  Platform p;
  SBX_TRY(detail::read_string(object, "os", p.os, true));
  SBX_TRY(detail::read_string(object, "architecture", p.architecture, true));
  SBX_TRY(detail::read_string(object, "variant", p.variant));
  return p;
}

Result<Descriptor> parse_descriptor(const json& object) {
  if (!object.is_object()) return fail("descriptor must be an object");
  Descriptor d;
  SBX_TRY(detail::read_string(object, "mediaType", d.media_type, true));
  std::string digest;
  SBX_TRY(detail::read_string(object, "digest", digest, true));
  d.digest = SBX_TRY(Digest::parse(digest));
  int64_t size = SBX_TRY(detail::read_int(object, "size"));
  if (size < 0) return fail("descriptor " + digest + " has a negative size");
  d.size = static_cast<uint64_t>(size);
  SBX_TRY(detail::read_string_list(object, "urls", d.urls));
  SBX_TRY(detail::read_string_map(object, "annotations", d.annotations));
  if (auto it = object.find("platform"); it != object.end() && !it->is_null())
    d.platform = SBX_TRY(parse_descriptor_platform(*it));
  return d;
}

Status check_schema_version(const json& doc) {
  int64_t version = SBX_TRY(detail::read_int(doc, "schemaVersion"));
  if (version == 1)
    return fail("schema 1 manifests are not supported (push the image again with a current tool)");
  if (version != 2) return fail("unsupported schemaVersion " + std::to_string(version));
  return {};
}

Result<std::vector<Descriptor>> parse_descriptor_list(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array())
    return fail("field '" + std::string(key) + "' must be an array");
  std::vector<Descriptor> out;
  for (size_t i = 0; i < it->size(); ++i)
    out.push_back(
        SBX_TRY_CTX(parse_descriptor((*it)[i]), std::string(key) + "[" + std::to_string(i) + "]"));
  return out;
}

Result<ImageIndex> parse_index_doc(const json& doc) {
  SBX_TRY(check_schema_version(doc));
  ImageIndex index;
  SBX_TRY(detail::read_string(doc, "mediaType", index.media_type));
  if (index.media_type.empty()) index.media_type = media_type::kOciIndex;
  if (!is_index_media_type(index.media_type))
    return fail("unknown index media type '" + index.media_type + "'");
  index.manifests = SBX_TRY(parse_descriptor_list(doc, "manifests"));
  return index;
}

Result<ImageManifest> parse_manifest_doc(const json& doc) {
  SBX_TRY(check_schema_version(doc));
  ImageManifest m;
  SBX_TRY(detail::read_string(doc, "mediaType", m.media_type));
  if (m.media_type.empty()) m.media_type = media_type::kOciManifest;
  if (!is_manifest_media_type(m.media_type))
    return fail("unknown manifest media type '" + m.media_type + "'");
  auto config = doc.find("config");
  if (config == doc.end()) return fail("missing field 'config'");
  m.config = SBX_TRY_CTX(parse_descriptor(*config), "config");
  if (!is_config_media_type(m.config.media_type))
    return fail("unknown config media type '" + m.config.media_type + "' (not a container image)");
  m.layers = SBX_TRY(parse_descriptor_list(doc, "layers"));
  for (const Descriptor& layer : m.layers) SBX_TRY(layer_compression(layer.media_type));
  return m;
}

}  // namespace

std::string_view strip_parameters(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  return content_type;
}

bool is_index_media_type(std::string_view type) {
  return in(type, {media_type::kOciIndex, media_type::kDockerManifestList});
}

bool is_manifest_media_type(std::string_view type) {
  return in(type, {media_type::kOciManifest, media_type::kDockerManifest});
}

bool is_config_media_type(std::string_view type) {
  return in(type, {media_type::kOciConfig, media_type::kDockerConfig});
}

Result<Compression> layer_compression(std::string_view type) {
  using namespace media_type;
  if (in(type, {kOciLayerTar, kOciLayerNondistributableTar})) return Compression::kNone;
  if (in(type,
         {kOciLayerGzip, kOciLayerNondistributableGzip, kDockerLayerGzip, kDockerLayerForeignGzip}))
    return Compression::kGzip;
  if (in(type, {kOciLayerZstd, kOciLayerNondistributableZstd})) return Compression::kZstd;
  return fail("unknown layer media type '" + std::string(type) + "'");
}

Result<ImageIndex> parse_index(std::string_view body) {
  auto doc = SBX_TRY_CTX(detail::parse_json_document(body, kMaxManifestBytes, "image index"),
                         "parse image index");
  return with_context(parse_index_doc(doc), "parse image index");
}

Result<ImageManifest> parse_manifest(std::string_view body) {
  auto doc = SBX_TRY_CTX(detail::parse_json_document(body, kMaxManifestBytes, "manifest"),
                         "parse manifest");
  return with_context(parse_manifest_doc(doc), "parse manifest");
}

Result<AnyManifest> parse_any_manifest(std::string_view body, std::string_view content_type) {
  auto doc = SBX_TRY_CTX(detail::parse_json_document(body, kMaxManifestBytes, "manifest"),
                         "parse manifest");
  std::string declared;
  SBX_TRY_CTX(detail::read_string(doc, "mediaType", declared), "parse manifest");
  std::string_view header = strip_parameters(content_type);
  if (in(header, {media_type::kDockerManifestV1, media_type::kDockerManifestV1Signed}))
    return fail("parse manifest: schema 1 manifests are not supported");
  bool header_known = is_index_media_type(header) || is_manifest_media_type(header);
  if (!declared.empty() && header_known && declared != header)
    return fail("parse manifest: registry says '" + std::string(header) +
                "' but the manifest declares '" + declared + "'");
  std::string type = !declared.empty() ? declared : std::string(header);
  if (!header_known && declared.empty())  // neither tells: look at the shape
    type = doc.contains("manifests") ? media_type::kOciIndex : media_type::kOciManifest;
  if (is_index_media_type(type)) {
    auto index = SBX_TRY(with_context(parse_index_doc(doc), "parse image index"));
    index.media_type = type;
    return index;
  }
  if (is_manifest_media_type(type)) {
    auto manifest = SBX_TRY(with_context(parse_manifest_doc(doc), "parse manifest"));
    manifest.media_type = type;
    return manifest;
  }
  return fail("parse manifest: unknown manifest media type '" + type + "'");
}

}  // namespace sbx::image
