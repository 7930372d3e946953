// config.json "linux.seccomp" -> Seccomp. The OCI form is a subset of docker's
// profile format, so the security module's parser reads it; this file picks
// the OCI fields out first and reads the two OCI-only ones itself.
#include <string>

#include "config_sections.hpp"
#include "sandbox/security/seccomp.hpp"

namespace sbx::oci::detail {
namespace {

// The fields of the OCI form. docker's extensions (archMap, includes,
// excludes, a rule's single "name") are left out: in a config.json they are
// unknown fields, which runc ignores, and honouring them would change what an
// OCI config means (an "includes" could drop a rule).
json oci_rule_fields(const json& rule) {
  if (!rule.is_object()) return rule;  // the profile parser reports it
  json out = json::object();
  for (const char* key : {"names", "action", "errnoRet", "args"}) {
    if (auto it = rule.find(key); it != rule.end()) out[key] = *it;
  }
  return out;
}

json oci_profile_fields(const json& seccomp) {
  json out = json::object();
  for (const char* key : {"defaultAction", "defaultErrnoRet", "architectures", "flags"}) {
    if (auto it = seccomp.find(key); it != seccomp.end()) out[key] = *it;
  }
  if (auto it = seccomp.find("syscalls"); it != seccomp.end()) {
    if (!it->is_array()) {
      out["syscalls"] = *it;
    } else {
      json rules = json::array();
      for (const auto& rule : *it) rules.push_back(oci_rule_fields(rule));
      out["syscalls"] = std::move(rules);
    }
  }
  return out;
}

// The profile parser's errors start with "seccomp profile: "; the path in
// config.json says the same more precisely.
Error with_seccomp_path(Error error, std::string_view path) {
  constexpr std::string_view kPrefix = "seccomp profile: ";
  std::string_view message = error.message();
  if (message.starts_with(kPrefix)) message.remove_prefix(kPrefix.size());
  return Error(std::string(path) + ": " + std::string(message), error.errno_value());
}

}  // namespace

Result<Seccomp> parse_seccomp(const ObjectReader& seccomp) {
  SBX_TRY(seccomp.require("defaultAction"));
  Seccomp out;
  SBX_TRY(seccomp.read("listenerPath", out.listener_path));
  std::string metadata;
  SBX_TRY(seccomp.read("listenerMetadata", metadata));
  std::string text;
  try {
    text = oci_profile_fields(seccomp.value()).dump();
  } catch (const json::exception& e) {
    return field_error(seccomp.path(), e.what());
  }
  auto profile = security::parse_seccomp_profile(text);
  if (!profile) return fail(with_seccomp_path(std::move(profile).error(), seccomp.path()));
  out.profile = std::move(*profile);
  return out;
}

}  // namespace sbx::oci::detail
