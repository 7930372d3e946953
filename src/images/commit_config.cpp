// `commit --change` instructions and the committed image's config document.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "sandbox/base/strings.hpp"
#include "sandbox/images/formats.hpp"

namespace sbx::images {

using nlohmann::json;

namespace {

constexpr std::string_view kInstructions[] = {"CMD",   "ENTRYPOINT", "ENV",    "WORKDIR",   "USER",
                                              "LABEL", "EXPOSE",     "VOLUME", "STOPSIGNAL"};

std::string unquote(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front())
    text = text.substr(1, text.size() - 2);
  return std::string(text);
}

// CMD/ENTRYPOINT: a JSON array of strings (exec form) or a shell command.
Result<json> command_value(const std::string& value) {
  if (value.starts_with("[")) {
    json parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
      return fail("not a JSON array of strings: " + value);
    for (const json& item : parsed)
      if (!item.is_string()) return fail("not a JSON array of strings: " + value);
    return parsed;
  }
  return json::array({"/bin/sh", "-c", value});
}

// "K=V" (also "K V", the old Dockerfile form) -> {K, V}.
Result<std::pair<std::string, std::string>> key_value(const std::string& value,
                                                      std::string_view what) {
  size_t at = value.find('=');
  if (at == std::string::npos) at = value.find(' ');
  if (at == std::string::npos || at == 0)
    return fail(std::string(what) + " needs KEY=VALUE, got '" + value + "'");
  return std::pair{unquote(value.substr(0, at)), unquote(value.substr(at + 1))};
}

void set_env(json& config, const std::string& key, const std::string& value) {
  json& env = config["Env"];
  if (!env.is_array()) env = json::array();
  std::string entry = key + "=" + value;
  for (json& item : env) {
    if (item.is_string() && item.get<std::string>().starts_with(key + "=")) {
      item = entry;
      return;
    }
  }
  env.push_back(entry);
}

std::string port_key(std::string port) {
  if (port.find('/') == std::string::npos) port += "/tcp";
  return port;
}

// Only `build` makes these: SHELL and HEALTHCHECK carry JSON, ONBUILD a trigger.
Status apply_build_change(json& config, const ConfigChange& change) {
  if (change.instruction == "ONBUILD") {
    // No trigger: the base's triggers ran and are not inherited (docker's rule).
    if (change.value.empty()) {
      config.erase("OnBuild");
      return {};
    }
    if (!config["OnBuild"].is_array()) config["OnBuild"] = json::array();
    config["OnBuild"].push_back(change.value);
    return {};
  }
  json parsed = json::parse(change.value, nullptr, false);
  if (parsed.is_discarded()) return fail(change.instruction + ": not JSON: " + change.value);
  if (change.instruction == "SHELL")
    config["Shell"] = std::move(parsed);
  else if (parsed.is_null())
    config.erase("Healthcheck");
  else
    config["Healthcheck"] = std::move(parsed);
  return {};
}

Status apply_change(json& config, const ConfigChange& change) {
  const std::string& v = change.value;
  const std::string& what = change.instruction;
  if (what == "CMD") {
    config["Cmd"] = SBX_TRY(command_value(v));
  } else if (what == "ENTRYPOINT") {
    config["Entrypoint"] = SBX_TRY(command_value(v));
  } else if (what == "ENV") {
    auto [key, value] = SBX_TRY(key_value(v, "ENV"));
    set_env(config, key, value);
  } else if (what == "LABEL") {
    auto [key, value] = SBX_TRY(key_value(v, "LABEL"));
    if (!config["Labels"].is_object()) config["Labels"] = json::object();
    config["Labels"][key] = value;
  } else if (what == "WORKDIR") {
    config["WorkingDir"] = unquote(v);
  } else if (what == "USER") {
    config["User"] = unquote(v);
  } else if (what == "SHELL" || what == "ONBUILD" || what == "HEALTHCHECK") {
    SBX_TRY(apply_build_change(config, change));
  } else if (what == "STOPSIGNAL") {
    config["StopSignal"] = unquote(v);
  } else if (what == "EXPOSE" || what == "VOLUME") {
    const char* field = what == "EXPOSE" ? "ExposedPorts" : "Volumes";
    if (!config[field].is_object()) config[field] = json::object();
    std::vector<std::string> items;
    if (v.starts_with("[")) {
      json parsed = SBX_TRY(command_value(v));
      for (const json& item : parsed) items.push_back(item.get<std::string>());
    } else {
      for (size_t start = 0; start < v.size();) {
        size_t end = std::min(v.find(' ', start), v.size());
        if (end > start) items.push_back(v.substr(start, end - start));
        start = end + 1;
      }
    }
    for (const std::string& item : items)
      config[field][what == "EXPOSE" ? port_key(item) : item] = json::object();
  }
  return {};
}

}  // namespace

Result<ConfigChange> parse_config_change(std::string_view text) {
  std::string_view body = trim(text);
  size_t end = 0;
  while (end < body.size() && std::isalpha(static_cast<unsigned char>(body[end]))) ++end;
  ConfigChange change;
  for (char c : body.substr(0, end))
    change.instruction += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  bool known = std::find(std::begin(kInstructions), std::end(kInstructions), change.instruction) !=
               std::end(kInstructions);
  if (!known)
    return fail("--change: unknown instruction in '" + std::string(text) +
                "' (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)");
  std::string_view rest = body.substr(end);
  // docker's "CMD value" and podman's "CMD=value".
  if (!rest.empty() && rest.front() != '=' && !std::isspace(static_cast<unsigned char>(rest[0])))
    return fail("--change: unknown instruction in '" + std::string(text) + "'");
  if (!rest.empty() && rest.front() == '=') rest.remove_prefix(1);
  change.value = std::string(trim(rest));
  if (change.value.empty())
    return fail("--change: " + change.instruction + " needs a value", EINVAL);
  return change;
}

Result<std::string> committed_config_json(std::string_view parent_config,
                                          const image::Digest& new_diff_id, const CommitInfo& info,
                                          const std::vector<ConfigChange>& changes) {
  json doc = json::parse(parent_config, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("the parent image's config is not JSON");
  json& config = doc["config"];
  if (!config.is_object()) config = json::object();
  for (const ConfigChange& change : changes)
    SBX_TRY_CTX(apply_change(config, change), "--change " + change.instruction);
  json& rootfs = doc["rootfs"];
  if (!rootfs.is_object()) rootfs = json::object();
  rootfs["type"] = "layers";
  if (!rootfs["diff_ids"].is_array()) rootfs["diff_ids"] = json::array();
  json entry{{"created", info.created}};
  if (new_diff_id.empty())
    entry["empty_layer"] = true;
  else
    rootfs["diff_ids"].push_back(new_diff_id.str());
  if (!info.created_by.empty()) entry["created_by"] = info.created_by;
  if (!info.author.empty()) entry["author"] = info.author;
  if (!info.comment.empty()) entry["comment"] = info.comment;
  if (!doc["history"].is_array()) doc["history"] = json::array();
  doc["history"].push_back(std::move(entry));
  doc["created"] = info.created;
  if (!info.author.empty())
    doc["author"] = info.author;
  else
    doc.erase("author");
  // --change, -m and -a are any bytes the command line held; JSON holds UTF-8 only.
  try {
    return doc.dump();
  } catch (const json::type_error&) {
    return fail("a --change value, the message or the author is not valid UTF-8", EINVAL);
  }
}

}  // namespace sbx::images
