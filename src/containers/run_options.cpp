// The run flags about the container's metadata and kernel settings: labels,
// stop signal and timeout, /dev/shm's size, namespaced sysctls, the log driver.
#include <algorithm>
#include <array>

#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

// The sysctls the kernel keeps per IPC namespace (docker's list).
constexpr std::array<std::string_view, 8> kIpcSysctls = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shm_rmid_forced", "kernel.shmmni"};

bool valid_sysctl_key(std::string_view key) {
  return !key.empty() &&
         key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string_view::npos &&
         !key.starts_with('.') && !key.ends_with('.') && key.find("..") == std::string_view::npos;
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_sysctl(std::string_view text, bool own_network) {
  size_t eq = text.find('=');
  std::string key(text.substr(0, eq));
  if (eq == std::string_view::npos || !valid_sysctl_key(key))
    return fail(
        Error("invalid --sysctl '" + std::string(text) + "'", EINVAL)
            .with_hint("use KEY=VALUE, e.g. --sysctl net.ipv4.ip_unprivileged_port_start=0"));
  std::string value(text.substr(eq + 1));
  if (value.find('\n') != std::string::npos)
    return fail(Error("invalid --sysctl '" + key + "': the value has a newline", EINVAL));
  bool ipc =
      std::ranges::find(kIpcSysctls, key) != kIpcSysctls.end() || key.starts_with("fs.mqueue.");
  if (ipc) return std::pair{key, value};
  if (key.starts_with("net.")) {
    if (own_network) return std::pair{key, value};
    return fail(Error("--sysctl " + key + ": the container shares the host's network", EINVAL)
                    .with_hint("net.* sysctls need a network namespace of its own (not --network "
                               "host)"));
  }
  return fail(Error("--sysctl " + key + " is not namespaced: it would change the host", EINVAL)
                  .with_hint("only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* "
                             "can be set per container"));
}

Result<std::pair<std::string, std::string>> parse_label(std::string_view text) {
  size_t eq = text.find('=');
  std::string key(text.substr(0, eq));
  if (key.empty())
    return fail(Error("invalid --label '" + std::string(text) + "': the key is empty", EINVAL)
                    .with_hint("use --label KEY=VALUE"));
  return std::pair{key,
                   eq == std::string_view::npos ? std::string() : std::string(text.substr(eq + 1))};
}

Result<std::string> parse_log_driver(std::string_view text) {
  if (text.empty() || text == "k8s-file" || text == "json-file") return std::string();
  if (text == kLogDriverNone || text == kLogDriverPassthrough) return std::string(text);
  return fail(Error("unsupported --log-driver '" + std::string(text) + "'", EINVAL)
                  .with_hint("use k8s-file (the default; json-file is its alias), none or "
                             "passthrough"));
}

namespace {

// --log-driver and --log-opt into `spec`; passthrough hands the caller's
// stdio to the container, so only a foreground run can have it.
Status apply_log_options(const RunFlags& flags, ContainerSpec& spec) {
  spec.log_driver = SBX_TRY(parse_log_driver(flags.log_driver));
  if (spec.log_driver == kLogDriverPassthrough && flags.detach)
    return fail(Error("--log-driver passthrough gives the container this terminal's stdio: it "
                      "cannot run detached",
                      EINVAL)
                    .with_hint("drop -d, or use --log-driver k8s-file (the default)"));
  for (const auto& option : flags.log_opts) {
    size_t eq = option.find('=');
    std::string key = option.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key != "path")
      return fail(Error("unsupported --log-opt '" + option + "'", EINVAL)
                      .with_hint("sandbox knows --log-opt path=/ABSOLUTE/FILE (k8s-file)"));
    if (!value.starts_with('/') || value.ends_with('/'))
      return fail(Error("--log-opt " + option + ": the path must be an absolute file name", EINVAL)
                      .with_hint("e.g. --log-opt path=/tmp/web.log"));
    if (!keeps_log(spec))
      return fail(
          Error("--log-opt path: the " + spec.log_driver + " log driver keeps no file", EINVAL)
              .with_hint("drop --log-opt, or use --log-driver k8s-file"));
    spec.log_path = value;
  }
  return {};
}

}  // namespace

// Labels, stop signal and timeout, --shm-size, --sysctl into `spec`.
Status apply_run_options(const ImageDefaults& image, const RunFlags& flags, ContainerSpec& spec) {
  spec.labels = image.labels;
  for (const auto& text : flags.labels) {
    auto [key, value] = SBX_TRY(parse_label(text));
    spec.labels[key] = value;
  }
  spec.stop_signal = flags.stop_signal.empty() ? image.stop_signal : flags.stop_signal;
  if (!flags.stop_signal.empty()) SBX_TRY_CTX(parse_signal(flags.stop_signal), "--stop-signal");
  if (flags.stop_timeout) {
    if (*flags.stop_timeout < 0)
      return fail(Error("invalid --stop-timeout " + std::to_string(*flags.stop_timeout), EINVAL)
                      .with_hint("give the seconds stop waits before SIGKILL (0 or more)"));
    spec.stop_timeout = *flags.stop_timeout;
  }
  if (!flags.shm_size.empty()) {
    int64_t bytes = SBX_TRY_CTX(cgroup::parse_size(flags.shm_size), "--shm-size");
    if (bytes <= 0)
      return fail(Error("invalid --shm-size '" + flags.shm_size + "': it must be positive", EINVAL)
                      .with_hint("e.g. --shm-size 256m"));
    spec.shm_size = static_cast<uint64_t>(bytes);
  }
  bool own_network = spec.network != NetworkMode::kHost;
  for (const auto& text : flags.sysctls) {
    auto [key, value] = SBX_TRY(parse_sysctl(text, own_network));
    spec.sysctls[key] = value;
  }
  return apply_log_options(flags, spec);
}

}  // namespace sbx::containers
