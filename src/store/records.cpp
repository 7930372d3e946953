#include "sandbox/store/records.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sbx::store {

using nlohmann::json;

uint64_t ImageRecord::size() const {
  uint64_t total = 0;
  for (const LayerRecord& layer : layers) total += layer.size;
  return total;
}

std::vector<std::string> NameIndex::tags_of(const image::Digest& id) const {
  std::vector<std::string> out;
  for (const auto& [name, target] : tags)
    if (target == id) out.push_back(name);
  return out;
}

std::vector<std::string> NameIndex::digests_of(const image::Digest& id) const {
  std::vector<std::string> out;
  for (const auto& [name, target] : digests)
    if (target == id) out.push_back(name);
  return out;
}

std::vector<std::string> NameIndex::drop_image(const image::Digest& id) {
  std::vector<std::string> removed = tags_of(id);
  std::erase_if(tags, [&](const auto& entry) { return entry.second == id; });
  std::erase_if(digests, [&](const auto& entry) { return entry.second == id; });
  return removed;
}

namespace {

json layer_json(const LayerRecord& layer) {
  return json{{"diff_id", layer.diff_id.str()},
              {"digest", layer.digest.str()},
              {"media_type", layer.media_type},
              {"compressed_size", layer.compressed_size},
              {"size", layer.size},
              {"entries", layer.entries},
              {"file_bytes", layer.file_bytes}};
}

// Reads a digest field; an empty one is allowed only when `optional`.
Result<image::Digest> digest_field(const json& object, const char* key, bool optional = false) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    if (optional) return image::Digest();
    return fail(std::string(key) + ": missing");
  }
  return SBX_TRY_CTX(image::Digest::parse(it->get<std::string>()), key);
}

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t number_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

Result<LayerRecord> layer_from(const json& object) {
  if (!object.is_object()) return fail("not an object");
  LayerRecord layer;
  layer.diff_id = SBX_TRY(digest_field(object, "diff_id"));
  layer.digest = SBX_TRY(digest_field(object, "digest", true));
  layer.media_type = string_field(object, "media_type");
  layer.compressed_size = number_field(object, "compressed_size");
  layer.size = number_field(object, "size");
  layer.entries = number_field(object, "entries");
  layer.file_bytes = number_field(object, "file_bytes");
  return layer;
}

Result<json> parse_object(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("not a JSON object");
  return doc;
}

Result<std::map<std::string, image::Digest>> name_map(const json& doc, const char* key) {
  std::map<std::string, image::Digest> out;
  auto it = doc.find(key);
  if (it == doc.end()) return out;
  if (!it->is_object()) return fail(std::string(key) + ": not an object");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) return fail(std::string(key) + ": " + name + ": not a string");
    out[name] = SBX_TRY_CTX(image::Digest::parse(value.get<std::string>()), name);
  }
  return out;
}

}  // namespace

std::string to_json(const LayerRecord& layer) { return layer_json(layer).dump(2) + "\n"; }

std::string to_json(const ImageRecord& image) {
  json layers = json::array();
  for (const LayerRecord& layer : image.layers) layers.push_back(layer_json(layer));
  json doc{{"id", image.id.str()},
           {"manifest_digest", image.manifest_digest.str()},
           {"manifest_media_type", image.manifest_media_type},
           {"layers", layers},
           {"os", image.os},
           {"architecture", image.architecture},
           {"variant", image.variant},
           {"created", image.created},
           {"stored_at", image.stored_at}};
  return doc.dump(2) + "\n";
}

std::string to_json(const NameIndex& names) {
  json tags = json::object();
  for (const auto& [name, id] : names.tags) tags[name] = id.str();
  json digests = json::object();
  for (const auto& [name, id] : names.digests) digests[name] = id.str();
  return json{{"tags", tags}, {"digests", digests}}.dump(2) + "\n";
}

Result<LayerRecord> parse_layer_record(std::string_view text) {
  json doc = SBX_TRY_CTX(parse_object(text), "layer record");
  return with_context(layer_from(doc), "layer record");
}

Result<ImageRecord> parse_image_record(std::string_view text) {
  json doc = SBX_TRY_CTX(parse_object(text), "image record");
  ImageRecord image;
  image.id = SBX_TRY_CTX(digest_field(doc, "id"), "image record");
  image.manifest_digest = SBX_TRY_CTX(digest_field(doc, "manifest_digest", true), "image record");
  image.manifest_media_type = string_field(doc, "manifest_media_type");
  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array()) return fail("image record: layers: missing");
  for (const json& entry : *layers)
    image.layers.push_back(SBX_TRY_CTX(layer_from(entry), "image record: layers"));
  image.os = string_field(doc, "os");
  image.architecture = string_field(doc, "architecture");
  image.variant = string_field(doc, "variant");
  image.created = string_field(doc, "created");
  if (auto it = doc.find("stored_at"); it != doc.end() && it->is_number_integer())
    image.stored_at = it->get<int64_t>();
  return image;
}

Result<NameIndex> parse_name_index(std::string_view text) {
  json doc = SBX_TRY_CTX(parse_object(text), "name index");
  NameIndex names;
  names.tags = SBX_TRY_CTX(name_map(doc, "tags"), "name index");
  names.digests = SBX_TRY_CTX(name_map(doc, "digests"), "name index");
  return names;
}

std::string format_rfc3339(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

int64_t parse_rfc3339(std::string_view text) {
  struct tm tm {};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t seconds = static_cast<int64_t>(::timegm(&tm));
  std::string_view rest = std::string_view(copy).substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {  // fractions: ignored
    size_t end = rest.find_first_not_of("0123456789", 1);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  if (rest == "Z" || rest == "z") return seconds;
  int hours = 0, minutes = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) == 2) {
    int64_t offset = hours * 3600 + minutes * 60;
    return rest[0] == '+' ? seconds - offset : seconds + offset;
  }
  return -1;
}

}  // namespace sbx::store
