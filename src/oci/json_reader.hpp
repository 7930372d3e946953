// Typed, path-aware reads of config.json (private to src/oci). nlohmann::json
// throws on a wrong type; every read here checks first and returns an Error
// that names the field as a path ("process.user.uid: expected an unsigned
// integer"), so no exception leaves the parser.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::oci::detail {

using nlohmann::json;

// "process" + "user" -> "process.user"; "" + "root" -> "root".
std::string field_path(std::string_view parent, std::string_view key);
// "linux.namespaces" + 2 -> "linux.namespaces[2]".
std::string item_path(std::string_view parent, size_t index);

// An error about the field at `path`: "<path>: <what>" (EINVAL).
std::unexpected<Error> field_error(std::string_view path, std::string_view what);

Result<std::string> as_string(const json& value, std::string_view path);
Result<bool> as_bool(const json& value, std::string_view path);
Result<uint64_t> as_uint(const json& value, std::string_view path, uint64_t max);
Result<int64_t> as_int(const json& value, std::string_view path, int64_t min, int64_t max);
Status expect_array(const json& value, std::string_view path);

// Any integer type, range-checked against T.
template <class T>
Result<T> as_integer(const json& value, std::string_view path) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  if constexpr (std::is_unsigned_v<T>) {
    return static_cast<T>(SBX_TRY(as_uint(value, path, std::numeric_limits<T>::max())));
  } else {
    return static_cast<T>(
        SBX_TRY(as_int(value, path, std::numeric_limits<T>::min(), std::numeric_limits<T>::max())));
  }
}

// A JSON object and its path. Absent members and members that are null read
// as "not set": Go's encoding/json (runc, podman, containerd) treats them the
// same way, and those tools write null for empty optional fields.
class ObjectReader {
 public:
  // Fails unless `value` is an object.
  static Result<ObjectReader> open(const json& value, std::string path);

  const std::string& path() const { return path_; }
  const json& value() const { return *object_; }
  std::string path_of(std::string_view key) const { return field_path(path_, key); }
  // The member, or nullptr when absent or null.
  const json* find(std::string_view key) const;
  // The member, or "<path>.<key>: required field missing".
  Result<const json*> require(std::string_view key) const;
  // A nested object; nullopt when not set.
  Result<std::optional<ObjectReader>> object(std::string_view key) const;
  // Each element of an array member (none when not set), with its path.
  template <class Fn>
  Status for_each_item(std::string_view key, Fn&& fn) const {
    const json* array = find(key);
    if (array == nullptr) return {};
    std::string where = path_of(key);
    SBX_TRY(expect_array(*array, where));
    for (size_t i = 0; i < array->size(); ++i) SBX_TRY(fn((*array)[i], item_path(where, i)));
    return {};
  }

  // As for_each_item, for an array of objects.
  template <class Fn>
  Status for_each_object(std::string_view key, Fn&& fn) const {
    return for_each_item(key, [&](const json& item, const std::string& where) -> Status {
      auto entry = open(item, where);
      if (!entry) return std::unexpected(std::move(entry).error());
      return fn(*entry);
    });
  }

  // These leave `out` untouched when the member is not set.
  Status read(std::string_view key, std::string& out) const;
  Status read(std::string_view key, bool& out) const;
  Status read(std::string_view key, std::vector<std::string>& out) const;
  Status read(std::string_view key, std::map<std::string, std::string>& out) const;
  template <class T>
  requires std::is_integral_v<T> Status read(std::string_view key, T& out)
  const {
    if (const json* value = find(key)) out = SBX_TRY(as_integer<T>(*value, path_of(key)));
    return {};
  }
  template <class T>
  Status read(std::string_view key, std::optional<T>& out) const {
    if (const json* value = find(key)) out = SBX_TRY(as_integer<T>(*value, path_of(key)));
    return {};
  }
  // As read(), but a missing member is an error.
  template <class T>
  Status read_required(std::string_view key, T& out) const {
    SBX_TRY(require(key));
    return read(key, out);
  }

 private:
  ObjectReader(const json* object, std::string path) : object_(object), path_(std::move(path)) {}
  const json* object_;
  std::string path_;
};

}  // namespace sbx::oci::detail
