// config.json -> Config: the top level, root, mounts and hooks, and the bundle
// reader. process and linux have their own files.
#include <sched.h>

#include <cerrno>
#include <string>
#include <utility>

#include "config_sections.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {
namespace {

using detail::field_error;
using detail::json;
using detail::ObjectReader;

Result<Root> parse_root(const ObjectReader& root) {
  Root out;
  SBX_TRY(root.read_required("path", out.path));
  if (out.path.empty()) return field_error(root.path_of("path"), "must not be empty");
  SBX_TRY(root.read("readonly", out.readonly));
  return out;
}

Result<Mount> parse_mount(const ObjectReader& mount, std::vector<std::string>& warnings) {
  Mount out;
  SBX_TRY(mount.read_required("destination", out.destination));
  if (out.destination.empty()) return field_error(mount.path_of("destination"), "is empty");
  if (out.destination.front() != '/') {
    // runc 1.1 still takes a relative destination (old specs allowed it),
    // warns, and resolves it inside the rootfs, i.e. from "/". So do we.
    warnings.push_back(mount.path_of("destination") + ": \"" + out.destination +
                       "\" is not absolute; taken as \"/" + out.destination + "\"");
    out.destination.insert(0, 1, '/');
  }
  SBX_TRY(mount.read("type", out.type));
  SBX_TRY(mount.read("source", out.source));
  SBX_TRY(mount.read("options", out.options));
  out.uid_mappings = SBX_TRY(detail::parse_id_mappings(mount, "uidMappings"));
  out.gid_mappings = SBX_TRY(detail::parse_id_mappings(mount, "gidMappings"));
  return out;
}

Result<Hook> parse_hook(const ObjectReader& hook) {
  Hook out;
  SBX_TRY(hook.read_required("path", out.path));
  if (out.path.empty() || out.path.front() != '/') {
    return field_error(hook.path_of("path"), "\"" + out.path + "\" is not an absolute path");
  }
  SBX_TRY(hook.read("args", out.args));
  SBX_TRY(hook.read("env", out.env));
  SBX_TRY(detail::check_env(out.env, hook.path_of("env")));
  SBX_TRY(hook.read("timeout", out.timeout));
  if (out.timeout && *out.timeout <= 0) {
    return field_error(hook.path_of("timeout"), "must be greater than zero");
  }
  return out;
}

Status parse_hook_list(const ObjectReader& hooks, std::string_view kind, std::vector<Hook>& out) {
  return hooks.for_each_object(kind, [&](const ObjectReader& hook) -> Status {
    out.push_back(SBX_TRY(parse_hook(hook)));
    return {};
  });
}

Result<Hooks> parse_hooks(const ObjectReader& hooks) {
  Hooks out;
  SBX_TRY(parse_hook_list(hooks, "prestart", out.prestart));
  SBX_TRY(parse_hook_list(hooks, "createRuntime", out.create_runtime));
  SBX_TRY(parse_hook_list(hooks, "createContainer", out.create_container));
  SBX_TRY(parse_hook_list(hooks, "startContainer", out.start_container));
  SBX_TRY(parse_hook_list(hooks, "poststart", out.poststart));
  SBX_TRY(parse_hook_list(hooks, "poststop", out.poststop));
  return out;
}

bool has_private_namespace(const Linux& linux_section, int type) {
  for (const auto& ns : linux_section.namespaces) {
    if (ns.type == type) return true;
  }
  return false;
}

// Rules between sections, as runc checks them before it creates anything.
Status check_cross_section(const Config& config) {
  bool uts = has_private_namespace(config.linux, CLONE_NEWUTS);
  if (!config.hostname.empty() && !uts) {
    return field_error("hostname", "needs a UTS namespace (linux.namespaces)");
  }
  if (!config.domainname.empty() && !uts) {
    return field_error("domainname", "needs a UTS namespace (linux.namespaces)");
  }
  bool maps = !config.linux.uid_mappings.empty() || !config.linux.gid_mappings.empty();
  if (maps && !has_private_namespace(config.linux, CLONE_NEWUSER)) {
    return field_error("linux.uidMappings", "id mappings need a user namespace");
  }
  return {};
}

Result<Config> parse_document(const json& document) {
  auto top = SBX_TRY(ObjectReader::open(document, ""));
  Config config;
  SBX_TRY(top.read_required("ociVersion", config.oci_version));
  if (config.oci_version.empty()) return field_error("ociVersion", "must not be empty");
  auto root = SBX_TRY(top.object("root"));
  if (!root) return field_error("root", "required field missing");
  config.root = SBX_TRY(parse_root(*root));
  Status mounts = top.for_each_object("mounts", [&](const ObjectReader& mount) -> Status {
    config.mounts.push_back(SBX_TRY(parse_mount(mount, config.warnings)));
    return {};
  });
  if (!mounts) return std::unexpected(std::move(mounts).error());
  // Required for create, which is what a bundle is for (runc checks the same).
  auto process = SBX_TRY(top.object("process"));
  if (!process) return field_error("process", "required field missing");
  config.process = SBX_TRY(detail::parse_process(*process));
  SBX_TRY(top.read("hostname", config.hostname));
  SBX_TRY(top.read("domainname", config.domainname));
  if (auto hooks = SBX_TRY(top.object("hooks"))) config.hooks = SBX_TRY(parse_hooks(*hooks));
  SBX_TRY(top.read("annotations", config.annotations));
  if (auto linux_section = SBX_TRY(top.object("linux"))) {
    config.linux = SBX_TRY(detail::parse_linux(*linux_section, config.warnings));
  }
  SBX_TRY(check_cross_section(config));
  return config;
}

}  // namespace

Result<Config> parse_config(std::string_view json_text) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& e) {
    // e.what() carries the position: "parse error at line 3, column 5: ...".
    return fail(std::string("not valid JSON: ") + e.what(), EINVAL);
  }
  return parse_document(document);
}

Result<Config> read_bundle_config(const std::filesystem::path& bundle) {
  std::filesystem::path file = bundle / "config.json";
  auto text = read_file(file);
  if (!text) {
    if (text.error().errno_value() == ENOENT) {
      return fail(
          "config.json not found in bundle " + bundle.string() + ": " + text.error().message(),
          ENOENT);
    }
    return fail(std::move(text).error());
  }
  return with_context(parse_config(*text), file.string());
}

}  // namespace sbx::oci
