// Merges the image config with the run flags, docker's rules.
#include "sandbox/containers/spec.hpp"

#include <algorithm>

#include "sandbox/containers/flag_parsers.hpp"
#include "sandbox/containers/namespace_flags.hpp"
#include "sandbox/containers/network_flags.hpp"

namespace sbx::containers {

Status apply_run_options(const ImageDefaults& image, const RunFlags& flags, ContainerSpec& spec);
Status apply_lifecycle_options(const ImageDefaults& image, const RunFlags& flags,
                               ContainerSpec& spec);
Status apply_identity_options(const RunFlags& flags, ContainerSpec& spec);

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string_view env_key(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// Sets `entry` in `env`, replacing an entry with the same key in place.
void set_env(std::vector<std::string>& env, std::string entry) {
  auto key = env_key(entry);
  auto same = [&](const std::string& e) { return env_key(e) == key; };
  if (auto it = std::find_if(env.begin(), env.end(), same); it != env.end())
    *it = std::move(entry);
  else
    env.push_back(std::move(entry));
}

Status check_env_entry(const std::string& entry) {
  size_t eq = entry.find('=');
  if (eq == std::string::npos || eq == 0)
    return fail("invalid environment entry '" + entry + "': expected KEY=VALUE");
  if (entry.find('\0') != std::string::npos)
    return fail("invalid environment entry: it contains a NUL byte");
  return {};
}

Status add_mounts(const RunFlags& flags, std::vector<MountRequest>& mounts) {
  for (const auto& v : flags.volumes) mounts.push_back(SBX_TRY_CTX(parse_volume(v), "-v"));
  for (const auto& m : flags.mounts) mounts.push_back(SBX_TRY_CTX(parse_mount(m), "--mount"));
  for (const auto& t : flags.tmpfs) mounts.push_back(SBX_TRY_CTX(parse_tmpfs(t), "--tmpfs"));
  for (size_t i = 0; i < mounts.size(); ++i)
    for (size_t j = i + 1; j < mounts.size(); ++j)
      if (mounts[i].destination == mounts[j].destination)
        return fail("duplicate mount point: " + mounts[i].destination);
  return {};
}

// Checked here, before anything is prepared: a bad name or grammar fails fast.
// The errors already name the flag ("--ulimit x: ...", "--security-opt y: ...").
Status add_security_options(const RunFlags& flags, security::SecurityOptions& options) {
  options.privileged = flags.privileged;
  options.cap_add = flags.cap_add;
  options.cap_drop = flags.cap_drop;
  SBX_TRY(security::resolve_capabilities(options.cap_add, options.cap_drop, options.privileged));
  for (const auto& o : flags.security_opts) SBX_TRY(security::apply_security_opt(options, o));
  for (const auto& u : flags.ulimits) SBX_TRY(security::parse_ulimit(u));
  options.ulimits = flags.ulimits;
  return {};
}

}  // namespace

Result<std::vector<std::string>> merge_env(const std::vector<std::string>& image_env,
                                           const std::vector<std::string>& flag_env,
                                           const std::string& hostname, bool tty) {
  std::vector<std::string> env;
  for (const auto& e : image_env) {
    SBX_TRY_CTX(check_env_entry(e), "image config");
    set_env(env, e);
  }
  auto has = [&](std::string_view key) {
    return std::ranges::any_of(env, [&](const std::string& e) { return env_key(e) == key; });
  };
  if (!has("PATH")) env.insert(env.begin(), std::string("PATH=") + kDefaultPath);
  if (!hostname.empty()) set_env(env, "HOSTNAME=" + hostname);
  if (tty && !has("TERM")) set_env(env, "TERM=xterm");
  for (const auto& e : flag_env) {
    SBX_TRY(check_env_entry(e));
    set_env(env, e);
  }
  return env;
}

Result<std::vector<std::string>> make_argv(const ImageDefaults& image,
                                           const std::optional<std::string>& entrypoint,
                                           const std::vector<std::string>& command) {
  std::vector<std::string> argv;
  if (entrypoint) {
    if (!entrypoint->empty()) argv.push_back(*entrypoint);
    argv.insert(argv.end(), command.begin(), command.end());
  } else {
    argv = image.entrypoint;
    const auto& cmd = command.empty() ? image.cmd : command;
    argv.insert(argv.end(), cmd.begin(), cmd.end());
  }
  if (argv.empty())
    return fail(Error("no command specified").with_hint("give a COMMAND after the image name"));
  if (argv[0].empty()) return fail("the command is an empty string");
  return argv;
}

Result<ContainerSpec> make_container_spec(const ImageDefaults& image, const RunFlags& flags) {
  ContainerSpec spec;
  spec.argv = SBX_TRY(make_argv(image, flags.entrypoint, flags.command));
  spec.hostname = flags.hostname.value_or("");
  if (spec.hostname.size() > 64) return fail("hostname '" + spec.hostname + "' is too long");
  spec.env = SBX_TRY(merge_env(image.env, flags.env, spec.hostname, flags.tty));
  spec.cwd = flags.workdir.value_or(image.working_dir.empty() ? "/" : image.working_dir);
  if (!spec.cwd.starts_with('/'))
    return fail("the working directory '" + spec.cwd + "' is invalid: it must be absolute");
  spec.user = flags.user.value_or(image.user);
  spec.name = flags.name;
  SBX_TRY(add_mounts(flags, spec.mounts));
  spec.read_only_rootfs = flags.read_only;
  SBX_TRY(apply_network_flags(flags, spec));
  SBX_TRY(apply_exposed_ports(image, flags, spec));  // network_flags.cpp
  if (!flags.userns.empty() && flags.userns != "keep-id")
    return fail(Error("unsupported --userns '" + flags.userns + "'").with_hint("use keep-id"));
  spec.keep_id = wants_keep_id(flags);
  SBX_TRY(apply_namespace_flags(flags, spec));  // namespace_flags.cpp
  SBX_TRY(add_security_options(flags, spec.security));
  spec.tty = flags.tty;
  spec.interactive = flags.interactive;
  spec.remove = flags.rm;
  spec.init = true;
  spec.cgroup = SBX_TRY(cgroup::parse_cgroup_request(flags.limits));
  SBX_TRY(apply_run_options(image, flags, spec));        // run_options.cpp
  SBX_TRY(apply_lifecycle_options(image, flags, spec));  // restart.cpp
  SBX_TRY(apply_identity_options(flags, spec));          // identity_flags.cpp
  return spec;
}

}  // namespace sbx::containers
