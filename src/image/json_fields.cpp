#include "json_fields.hpp"

namespace sbx::image::detail {
namespace {

Error bad_type(const char* key, std::string_view want) {
  return Error("field '" + std::string(key) + "' must be " + std::string(want));
}

// nullptr when absent or null.
const json* find_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<json> parse_json_document(std::string_view body, size_t max_bytes, std::string_view what) {
  if (body.size() > max_bytes)
    return fail(std::string(what) + " is too large (" + std::to_string(body.size()) +
                " bytes, limit " + std::to_string(max_bytes) + ")");
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(std::string(what) + " is not valid JSON");
  if (!doc.is_object()) return fail(std::string(what) + " is not a JSON object");
  return doc;
}

Status read_string(const json& object, const char* key, std::string& out, bool required) {
  const json* v = find_field(object, key);
  if (v == nullptr) {
    if (required) return fail("missing field '" + std::string(key) + "'");
    return {};
  }
  if (!v->is_string()) return fail(bad_type(key, "a string"));
  out = v->get_ref<const std::string&>();
  return {};
}

Status read_string_list(const json& object, const char* key, std::vector<std::string>& out) {
  const json* v = find_field(object, key);
  if (v == nullptr) return {};
  if (!v->is_array()) return fail(bad_type(key, "an array of strings"));
  std::vector<std::string> items;
  for (const json& item : *v) {
    if (!item.is_string()) return fail(bad_type(key, "an array of strings"));
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
  return {};
}

Status read_string_map(const json& object, const char* key,
                       std::map<std::string, std::string>& out) {
  const json* v = find_field(object, key);
  if (v == nullptr) return {};
  if (!v->is_object()) return fail(bad_type(key, "an object of strings"));
  std::map<std::string, std::string> items;
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) return fail(bad_type(key, "an object of strings"));
    items.emplace(k, item.get<std::string>());
  }
  out = std::move(items);
  return {};
}

Status read_key_list(const json& object, const char* key, std::vector<std::string>& out) {
  const json* v = find_field(object, key);
  if (v == nullptr) return {};
  if (!v->is_object()) return fail(bad_type(key, "an object"));
  std::vector<std::string> keys;
  for (const auto& [k, item] : v->items()) keys.push_back(k);  // json objects iterate sorted
  out = std::move(keys);
  return {};
}

Status read_bool(const json& object, const char* key, bool& out) {
  const json* v = find_field(object, key);
  if (v == nullptr) return {};
  if (!v->is_boolean()) return fail(bad_type(key, "true or false"));
  out = v->get<bool>();
  return {};
}

Result<int64_t> read_int(const json& object, const char* key, bool required) {
  const json* v = find_field(object, key);
  if (v == nullptr) {
    if (required) return fail("missing field '" + std::string(key) + "'");
    return 0;
  }
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return fail(bad_type(key, "an integer"));
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (!v->is_number_integer()) return fail(bad_type(key, "an integer"));
  return v->get<int64_t>();
}

}  // namespace sbx::image::detail
