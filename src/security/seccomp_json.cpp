// docker's seccomp profile JSON <-> SeccompProfile.
#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/security/seccomp.hpp"

namespace sbx::security {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, SeccompAction>, 9> kActions = {{
    {"SCMP_ACT_KILL", SeccompAction::kKillThread},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::kKillThread},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::kKillProcess},
    {"SCMP_ACT_TRAP", SeccompAction::kTrap},
    {"SCMP_ACT_ERRNO", SeccompAction::kErrno},
    {"SCMP_ACT_TRACE", SeccompAction::kTrace},
    {"SCMP_ACT_ALLOW", SeccompAction::kAllow},
    {"SCMP_ACT_LOG", SeccompAction::kLog},
    {"SCMP_ACT_NOTIFY", SeccompAction::kNotify},
}};

constexpr std::array<std::pair<std::string_view, SeccompOp>, 7> kOps = {{
    {"SCMP_CMP_NE", SeccompOp::kNotEqual},
    {"SCMP_CMP_LT", SeccompOp::kLessThan},
    {"SCMP_CMP_LE", SeccompOp::kLessEqual},
    {"SCMP_CMP_EQ", SeccompOp::kEqualTo},
    {"SCMP_CMP_GE", SeccompOp::kGreaterEqual},
    {"SCMP_CMP_GT", SeccompOp::kGreaterThan},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::kMaskedEqual},
}};

template <class Table, class Value>
std::string_view name_of(const Table& table, Value value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "";
}

template <class Table>
auto value_of(const Table& table, const std::string& name, std::string_view what)
    -> Result<typename Table::value_type::second_type> {
  for (const auto& [n, v] : table) {
    if (n == name) return v;
  }
  return fail("unknown " + std::string(what) + " \"" + name + "\"", EINVAL);
}

// All field access goes through these, so type errors become Errors that say
// which field was wrong (nlohmann would throw).
Result<std::string> get_string(const json& j, std::string_view where) {
  if (!j.is_string()) return fail(std::string(where) + ": expected a string", EINVAL);
  return j.get<std::string>();
}

Result<uint64_t> get_uint(const json& j, std::string_view where) {
  if (!j.is_number_unsigned()) {
    return fail(std::string(where) + ": expected a non-negative integer", EINVAL);
  }
  return j.get<uint64_t>();
}

Result<std::vector<std::string>> get_strings(const json& j, std::string_view where) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return fail(std::string(where) + ": expected an array of strings", EINVAL);
  for (const auto& item : j) out.push_back(SBX_TRY(get_string(item, where)));
  return out;
}

Result<SeccompFilter> parse_filter(const json& j, const std::string& where) {
  SeccompFilter filter;
  if (j.is_null()) return filter;
  if (!j.is_object()) return fail(where + ": expected an object", EINVAL);
  if (j.contains("caps")) filter.caps = SBX_TRY(get_strings(j["caps"], where + ".caps"));
  if (j.contains("arches")) filter.arches = SBX_TRY(get_strings(j["arches"], where + ".arches"));
  if (j.contains("minKernel") && !j["minKernel"].is_null()) {
    filter.min_kernel = SBX_TRY(get_string(j["minKernel"], where + ".minKernel"));
  }
  return filter;
}

Result<SeccompArg> parse_arg(const json& j, const std::string& where) {
  if (!j.is_object()) return fail(where + ": expected an object", EINVAL);
  SeccompArg arg;
  if (!j.contains("index")) return fail(where + ": missing \"index\"", EINVAL);
  uint64_t index = SBX_TRY(get_uint(j["index"], where + ".index"));
  if (index > 5) return fail(where + ".index: must be 0..5", EINVAL);
  arg.index = static_cast<unsigned>(index);
  if (j.contains("value")) arg.value = SBX_TRY(get_uint(j["value"], where + ".value"));
  if (j.contains("valueTwo")) {
    arg.value_two = SBX_TRY(get_uint(j["valueTwo"], where + ".valueTwo"));
  }
  if (!j.contains("op")) return fail(where + ": missing \"op\"", EINVAL);
  std::string op = SBX_TRY(get_string(j["op"], where + ".op"));
  arg.op = SBX_TRY_CTX(value_of(kOps, op, "operator"), where + ".op");
  return arg;
}

Result<std::optional<int>> parse_errno(const json& j, const std::string& where) {
  if (j.is_null()) return std::optional<int>();
  uint64_t value = SBX_TRY(get_uint(j, where));
  if (value > 4095) return fail(where + ": errno out of range", EINVAL);
  return std::optional<int>(static_cast<int>(value));
}

Result<SeccompRule> parse_rule(const json& j, const std::string& where) {
  if (!j.is_object()) return fail(where + ": expected an object", EINVAL);
  SeccompRule rule;
  if (j.contains("names")) rule.names = SBX_TRY(get_strings(j["names"], where + ".names"));
  if (j.contains("name") && !j["name"].is_null()) {
    rule.names.push_back(SBX_TRY(get_string(j["name"], where + ".name")));
  }
  if (rule.names.empty()) return fail(where + ": no syscall \"names\"", EINVAL);
  if (!j.contains("action")) return fail(where + ": missing \"action\"", EINVAL);
  std::string action = SBX_TRY(get_string(j["action"], where + ".action"));
  rule.action = SBX_TRY_CTX(value_of(kActions, action, "action"), where + ".action");
  if (j.contains("errnoRet")) rule.errno_ret = SBX_TRY(parse_errno(j["errnoRet"], where));
  if (j.contains("args") && !j["args"].is_null()) {
    if (!j["args"].is_array()) return fail(where + ".args: expected an array", EINVAL);
    for (size_t i = 0; i < j["args"].size(); ++i) {
      rule.args.push_back(
          SBX_TRY(parse_arg(j["args"][i], where + ".args[" + std::to_string(i) + "]")));
    }
  }
  if (j.contains("includes"))
    rule.includes = SBX_TRY(parse_filter(j["includes"], where + ".includes"));
  if (j.contains("excludes"))
    rule.excludes = SBX_TRY(parse_filter(j["excludes"], where + ".excludes"));
  if (j.contains("comment") && j["comment"].is_string()) rule.comment = j["comment"];
  return rule;
}

Result<std::vector<SeccompArchMap>> parse_arch_map(const json& j) {
  std::vector<SeccompArchMap> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return fail("archMap: expected an array", EINVAL);
  for (const auto& item : j) {
    if (!item.is_object() || !item.contains("architecture")) {
      return fail("archMap: entries need an \"architecture\"", EINVAL);
    }
    SeccompArchMap entry;
    entry.architecture = SBX_TRY(get_string(item["architecture"], "archMap.architecture"));
    if (item.contains("subArchitectures")) {
      entry.sub_architectures =
          SBX_TRY(get_strings(item["subArchitectures"], "archMap.subArchitectures"));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<SeccompProfile> parse_profile_object(const json& j) {
  if (!j.is_object()) return fail("expected a JSON object", EINVAL);
  SeccompProfile profile;
  if (!j.contains("defaultAction")) return fail("missing \"defaultAction\"", EINVAL);
  std::string action = SBX_TRY(get_string(j["defaultAction"], "defaultAction"));
  profile.default_action = SBX_TRY_CTX(value_of(kActions, action, "action"), "defaultAction");
  if (j.contains("defaultErrnoRet")) {
    profile.default_errno_ret = SBX_TRY(parse_errno(j["defaultErrnoRet"], "defaultErrnoRet"));
  }
  if (j.contains("architectures")) {
    profile.architectures = SBX_TRY(get_strings(j["architectures"], "architectures"));
  }
  if (j.contains("archMap")) profile.arch_map = SBX_TRY(parse_arch_map(j["archMap"]));
  if (j.contains("flags")) profile.flags = SBX_TRY(get_strings(j["flags"], "flags"));
  if (!profile.architectures.empty() && !profile.arch_map.empty()) {
    return fail("\"architectures\" and \"archMap\" cannot both be given", EINVAL);
  }
  if (j.contains("syscalls") && !j["syscalls"].is_null()) {
    if (!j["syscalls"].is_array()) return fail("syscalls: expected an array", EINVAL);
    for (size_t i = 0; i < j["syscalls"].size(); ++i) {
      profile.syscalls.push_back(
          SBX_TRY(parse_rule(j["syscalls"][i], "syscalls[" + std::to_string(i) + "]")));
    }
  }
  return profile;
}

json filter_to_json(const SeccompFilter& filter) {
  json j = json::object();
  if (!filter.caps.empty()) j["caps"] = filter.caps;
  if (!filter.arches.empty()) j["arches"] = filter.arches;
  if (!filter.min_kernel.empty()) j["minKernel"] = filter.min_kernel;
  return j;
}

json rule_to_json(const SeccompRule& rule) {
  json j = {{"names", rule.names}, {"action", name_of(kActions, rule.action)}};
  if (rule.errno_ret) j["errnoRet"] = *rule.errno_ret;
  if (!rule.args.empty()) {
    json args = json::array();
    for (const auto& arg : rule.args) {
      args.push_back({{"index", arg.index},
                      {"value", arg.value},
                      {"valueTwo", arg.value_two},
                      {"op", name_of(kOps, arg.op)}});
    }
    j["args"] = std::move(args);
  }
  if (!rule.comment.empty()) j["comment"] = rule.comment;
  json includes = filter_to_json(rule.includes);
  json excludes = filter_to_json(rule.excludes);
  if (!includes.empty()) j["includes"] = std::move(includes);
  if (!excludes.empty()) j["excludes"] = std::move(excludes);
  return j;
}

}  // namespace

Result<SeccompProfile> parse_seccomp_profile(std::string_view json_text) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    return fail(std::string("seccomp profile: not valid JSON: ") + e.what(), EINVAL);
  }
  return with_context(parse_profile_object(j), "seccomp profile");
}

Result<SeccompProfile> read_seccomp_profile(const std::string& path) {
  std::string text = SBX_TRY(read_file(path));
  return with_context(parse_seccomp_profile(text), path);
}

std::string seccomp_profile_to_json(const SeccompProfile& profile) {
  json j = {{"defaultAction", name_of(kActions, profile.default_action)}};
  if (profile.default_errno_ret) j["defaultErrnoRet"] = *profile.default_errno_ret;
  if (!profile.architectures.empty()) j["architectures"] = profile.architectures;
  if (!profile.arch_map.empty()) {
    json arch_map = json::array();
    for (const auto& entry : profile.arch_map) {
      arch_map.push_back(
          {{"architecture", entry.architecture}, {"subArchitectures", entry.sub_architectures}});
    }
    j["archMap"] = std::move(arch_map);
  }
  if (!profile.flags.empty()) j["flags"] = profile.flags;
  json syscalls = json::array();
  for (const auto& rule : profile.syscalls) syscalls.push_back(rule_to_json(rule));
  j["syscalls"] = std::move(syscalls);
  return j.dump(2);
}

}  // namespace sbx::security
