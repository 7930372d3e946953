// Typed reads of config.json fields with the field's path in every error.
#include "json_reader.hpp"

#include <cerrno>

namespace sbx::oci::detail {

std::string field_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::string item_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::unexpected<Error> field_error(std::string_view path, std::string_view what) {
  std::string message(path);
  message += ": ";
  message += what;
  return fail(std::move(message), EINVAL);
}

Result<std::string> as_string(const json& value, std::string_view path) {
  if (!value.is_string()) return field_error(path, "expected a string");
  return value.get<std::string>();
}

Result<bool> as_bool(const json& value, std::string_view path) {
  if (!value.is_boolean()) return field_error(path, "expected true or false");
  return value.get<bool>();
}

Result<uint64_t> as_uint(const json& value, std::string_view path, uint64_t max) {
  // nlohmann stores a non-negative integer literal as unsigned; 1.0 and -1
  // are other types, so they fail here as Go's decoder fails on them.
  if (!value.is_number_unsigned()) return field_error(path, "expected an unsigned integer");
  uint64_t number = value.get<uint64_t>();
  if (number > max) {
    return field_error(
        path, std::to_string(number) + " is out of range (at most " + std::to_string(max) + ")");
  }
  return number;
}

Result<int64_t> as_int(const json& value, std::string_view path, int64_t min, int64_t max) {
  if (!value.is_number_integer()) return field_error(path, "expected an integer");
  bool too_big = value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max);
  int64_t number = too_big ? max : value.get<int64_t>();
  if (too_big || number < min || number > max) {
    return field_error(path, value.dump() + " is out of range (" + std::to_string(min) + " to " +
                                 std::to_string(max) + ")");
  }
  return number;
}

Status expect_array(const json& value, std::string_view path) {
  if (!value.is_array()) return field_error(path, "expected an array");
  return {};
}

Result<ObjectReader> ObjectReader::open(const json& value, std::string path) {
  if (!value.is_object()) return field_error(path.empty() ? "config" : path, "expected an object");
  return ObjectReader(&value, std::move(path));
}

const json* ObjectReader::find(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

Result<const json*> ObjectReader::require(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return field_error(path_of(key), "required field missing");
  return value;
}

Result<std::optional<ObjectReader>> ObjectReader::object(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::optional<ObjectReader>();
  return std::optional<ObjectReader>(SBX_TRY(open(*value, path_of(key))));
}

Status ObjectReader::read(std::string_view key, std::string& out) const {
  if (const json* value = find(key)) out = SBX_TRY(as_string(*value, path_of(key)));
  return {};
}

Status ObjectReader::read(std::string_view key, bool& out) const {
  if (const json* value = find(key)) out = SBX_TRY(as_bool(*value, path_of(key)));
  return {};
}

Status ObjectReader::read(std::string_view key, std::vector<std::string>& out) const {
  return for_each_item(key, [&](const json& item, const std::string& where) -> Status {
    out.push_back(SBX_TRY(as_string(item, where)));
    return {};
  });
}

Status ObjectReader::read(std::string_view key, std::map<std::string, std::string>& out) const {
  const json* value = find(key);
  if (value == nullptr) return {};
  std::string where = path_of(key);
  if (!value->is_object()) return field_error(where, "expected an object of strings");
  for (const auto& [name, item] : value->items()) {
    out[name] = SBX_TRY(as_string(item, field_path(where, name)));
  }
  return {};
}

}  // namespace sbx::oci::detail
