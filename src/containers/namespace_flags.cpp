// --pid and --ipc: parsing and the checks that need no other container.
#include "sandbox/containers/namespace_flags.hpp"

namespace sbx::containers {
namespace {

constexpr std::string_view kContainerPrefix = "container:";

Status check_container_share(const char* flag, const std::string& value) {
  if (value.size() > kContainerPrefix.size()) return {};
  return fail(Error(std::string("invalid ") + flag + " '" + value + "': no container named", EINVAL)
                  .with_hint(std::string("name one: ") + flag + " container:NAME"));
}

Result<std::string> parse_pid_mode(const std::string& value) {
  if (value.empty() || value == "host") return value;
  if (value == "private") return std::string();  // podman's spelling of the default
  if (value.starts_with(kContainerPrefix)) {
    SBX_TRY(check_container_share("--pid", value));
    return value;
  }
  return fail(Error("invalid --pid '" + value + "'", EINVAL)
                  .with_hint("use --pid host, private or container:NAME"));
}

Result<std::string> parse_ipc_mode(const std::string& value) {
  if (value.empty() || value == "host" || value == "private" || value == "shareable" ||
      value == "none")
    return value;
  if (value.starts_with(kContainerPrefix)) {
    SBX_TRY(check_container_share("--ipc", value));
    return value;
  }
  return fail(Error("invalid --ipc '" + value + "'", EINVAL)
                  .with_hint("use --ipc private, shareable, none, host or container:NAME"));
}

bool is_ipc_sysctl(std::string_view text) {
  return text.starts_with("kernel.") || text.starts_with("fs.mqueue.");
}

}  // namespace

NamespaceShare namespace_share(std::string_view mode) {
  if (mode == "host") return NamespaceShare::kHost;
  if (mode.starts_with(kContainerPrefix)) return NamespaceShare::kContainer;
  return NamespaceShare::kOwn;
}

std::string namespace_share_target(std::string_view mode) {
  if (!mode.starts_with(kContainerPrefix)) return "";
  return std::string(mode.substr(kContainerPrefix.size()));
}

Status apply_namespace_flags(const RunFlags& flags, ContainerSpec& spec) {
  spec.pid_mode = SBX_TRY(parse_pid_mode(flags.pid));
  spec.ipc_mode = SBX_TRY(parse_ipc_mode(flags.ipc));
  if (namespace_share(spec.ipc_mode) == NamespaceShare::kOwn) return {};
  for (const auto& text : flags.sysctls)
    if (is_ipc_sysctl(text))
      return fail(Error("--sysctl " + text.substr(0, text.find('=')) + ": --ipc " + spec.ipc_mode +
                            " has no IPC namespace of the container's own",
                        EINVAL)
                      .with_hint("IPC sysctls need --ipc private or shareable"));
  return {};
}

}  // namespace sbx::containers
