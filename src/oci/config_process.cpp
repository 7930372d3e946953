// config.json "process": what runs, as whom, with which capabilities and limits.
#include <sys/resource.h>

#include <cctype>
#include <set>
#include <string>

#include "config_sections.hpp"
#include "sandbox/security/capabilities.hpp"
#include "sandbox/security/rlimits.hpp"

namespace sbx::oci::detail {
namespace {

// The kernel's range for /proc/PID/oom_score_adj.
constexpr int kOomScoreAdjMin = -1000, kOomScoreAdjMax = 1000;

Result<User> parse_user(const ObjectReader& user) {
  User out;
  SBX_TRY(user.read("uid", out.uid));
  SBX_TRY(user.read("gid", out.gid));
  SBX_TRY(user.read("umask", out.umask));
  if (out.umask && *out.umask > 0777) return field_error(user.path_of("umask"), "above 0777");
  Status gids = user.for_each_item(
      "additionalGids", [&](const json& item, const std::string& where) -> Status {
        out.additional_gids.push_back(SBX_TRY(as_integer<uint32_t>(item, where)));
        return {};
      });
  if (!gids) return std::unexpected(std::move(gids).error());
  SBX_TRY(user.read("username", out.username));
  return out;
}

// Each set by name; an unknown name is an error (runc 1.1 only warns and drops
// it, but a set that silently lacks a capability the config asked for fails
// later and far from its cause). Names come out canonical ("CAP_CHOWN").
Status parse_capability_set(const ObjectReader& caps, std::string_view key,
                            std::vector<std::string>& out) {
  return caps.for_each_item(key, [&](const json& item, const std::string& where) -> Status {
    std::string name = SBX_TRY(as_string(item, where));
    auto number = security::capability_number(name);
    if (!number) return field_error(where, "unknown capability \"" + name + "\"");
    out.emplace_back(*security::capability_name(*number));
    return {};
  });
}

Result<Capabilities> parse_capabilities(const ObjectReader& caps) {
  Capabilities out;
  SBX_TRY(parse_capability_set(caps, "bounding", out.bounding));
  SBX_TRY(parse_capability_set(caps, "effective", out.effective));
  SBX_TRY(parse_capability_set(caps, "inheritable", out.inheritable));
  SBX_TRY(parse_capability_set(caps, "permitted", out.permitted));
  SBX_TRY(parse_capability_set(caps, "ambient", out.ambient));
  return out;
}

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE, through the security module's name table.
std::optional<int> rlimit_resource(std::string_view type) {
  if (!type.starts_with("RLIMIT_")) return std::nullopt;
  for (int resource = 0; resource < RLIM_NLIMITS; ++resource) {
    std::string_view name = security::rlimit_name(resource);
    std::string_view suffix = type.substr(7);
    if (name.empty() || name.size() != suffix.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size(); ++i) {
      same = same && std::toupper(static_cast<unsigned char>(name[i])) == suffix[i];
    }
    if (same) return resource;
  }
  return std::nullopt;
}

Result<security::Rlimit> parse_rlimit(const ObjectReader& rlimit) {
  std::string type;
  SBX_TRY(rlimit.read_required("type", type));
  auto resource = rlimit_resource(type);
  if (!resource) return field_error(rlimit.path_of("type"), "unknown rlimit \"" + type + "\"");
  security::Rlimit out{.resource = *resource};
  uint64_t soft = 0, hard = 0;
  SBX_TRY(rlimit.read_required("soft", soft));
  SBX_TRY(rlimit.read_required("hard", hard));
  if (soft > hard) {
    return field_error(rlimit.path(), type + ": soft limit " + std::to_string(soft) +
                                          " is above the hard limit " + std::to_string(hard));
  }
  out.soft = static_cast<rlim_t>(soft);
  out.hard = static_cast<rlim_t>(hard);
  return out;
}

Status parse_rlimits(const ObjectReader& process, std::vector<security::Rlimit>& out) {
  std::set<int> seen;
  return process.for_each_object("rlimits", [&](const ObjectReader& entry) -> Status {
    auto rlimit = SBX_TRY(parse_rlimit(entry));
    // The spec: a type given twice is an error.
    if (!seen.insert(rlimit.resource).second) {
      return field_error(entry.path(), "a second limit of the same type");
    }
    out.push_back(rlimit);
    return {};
  });
}

Result<ConsoleSize> parse_console_size(const ObjectReader& size) {
  ConsoleSize out;
  SBX_TRY(size.read_required("height", out.height));
  SBX_TRY(size.read_required("width", out.width));
  return out;
}

Status parse_args_and_cwd(const ObjectReader& process, Process& out) {
  SBX_TRY(process.read("args", out.args));
  if (out.args.empty()) {
    return field_error(process.path_of("args"), "must name the program to run (empty)");
  }
  for (size_t i = 0; i < out.args.size(); ++i) {
    if (out.args[i].find('\0') != std::string::npos) {
      return field_error(item_path(process.path_of("args"), i), "contains a NUL byte");
    }
  }
  SBX_TRY(process.read_required("cwd", out.cwd));
  if (out.cwd.empty() || out.cwd.front() != '/') {
    return field_error(process.path_of("cwd"), "\"" + out.cwd + "\" is not an absolute path");
  }
  return {};
}

}  // namespace

Status check_env(const std::vector<std::string>& env, std::string_view path) {
  for (size_t i = 0; i < env.size(); ++i) {
    size_t eq = env[i].find('=');
    if (eq == std::string::npos) {
      return field_error(item_path(path, i), "\"" + env[i] + "\" is not KEY=VALUE");
    }
    if (eq == 0) return field_error(item_path(path, i), "\"" + env[i] + "\" has an empty name");
    if (env[i].find('\0') != std::string::npos) {
      return field_error(item_path(path, i), "contains a NUL byte");
    }
  }
  return {};
}

Result<Process> parse_process(const ObjectReader& process) {
  Process out;
  SBX_TRY(process.read("terminal", out.terminal));
  if (auto size = SBX_TRY(process.object("consoleSize"))) {
    out.console_size = SBX_TRY(parse_console_size(*size));
  }
  if (auto user = SBX_TRY(process.object("user"))) out.user = SBX_TRY(parse_user(*user));
  SBX_TRY(parse_args_and_cwd(process, out));
  SBX_TRY(process.read("env", out.env));
  SBX_TRY(check_env(out.env, process.path_of("env")));
  if (auto caps = SBX_TRY(process.object("capabilities"))) {
    out.capabilities = SBX_TRY(parse_capabilities(*caps));
  }
  SBX_TRY(parse_rlimits(process, out.rlimits));
  SBX_TRY(process.read("noNewPrivileges", out.no_new_privileges));
  SBX_TRY(process.read("apparmorProfile", out.apparmor_profile));
  SBX_TRY(process.read("selinuxLabel", out.selinux_label));
  SBX_TRY(process.read("oomScoreAdj", out.oom_score_adj));
  if (out.oom_score_adj &&
      (*out.oom_score_adj < kOomScoreAdjMin || *out.oom_score_adj > kOomScoreAdjMax)) {
    return field_error(process.path_of("oomScoreAdj"), "must be between -1000 and 1000");
  }
  return out;
}

}  // namespace sbx::oci::detail
