// Typed field readers over nlohmann::json that return errors instead of
// throwing (private to src/image).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::image::detail {

using nlohmann::json;

// Parses without exceptions; error says `what` is not valid JSON.
Result<json> parse_json_document(std::string_view body, size_t max_bytes, std::string_view what);

// Each reader accepts an absent key or null (leaving `out` untouched) unless
// `required`, and fails naming the field when the type is wrong.
Status read_string(const json& object, const char* key, std::string& out, bool required = false);
Status read_string_list(const json& object, const char* key, std::vector<std::string>& out);
Status read_string_map(const json& object, const char* key,
                       std::map<std::string, std::string>& out);
// The keys of an object ({"80/tcp": {}}), sorted.
Status read_key_list(const json& object, const char* key, std::vector<std::string>& out);
Status read_bool(const json& object, const char* key, bool& out);
Result<int64_t> read_int(const json& object, const char* key, bool required = true);

}  // namespace sbx::image::detail
