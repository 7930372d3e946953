// list, ps, features and signal names.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/oci/runtime.hpp"
#include "sandbox/security/capabilities.hpp"

namespace sbx::oci {
namespace {

std::string namespace_link(pid_t pid, const char* type) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(
      "/proc/" + std::to_string(pid) + "/ns/" + std::string(type), ec);
  return ec ? "" : target.string();
}

}  // namespace

std::vector<ListEntry> list_containers(const StateDir& dir) {
  std::vector<ListEntry> out;
  for (const auto& id : dir.ids())
    if (auto state = dir.read(id)) out.push_back({*state, status_of(dir, *state)});
  return out;
}

Result<std::vector<pid_t>> container_processes(const StateDir& dir, const std::string& id) {
  auto state = SBX_TRY(dir.read(id));
  if (status_of(dir, state) == ContainerStatus::kStopped) return std::vector<pid_t>{};
  std::vector<pid_t> pids = {state.pid};
  std::string ns = namespace_link(state.pid, "pid");
  // Without a pid namespace of its own only its init is known to be its.
  if (ns.empty() || ns == namespace_link(::getpid(), "pid")) return pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (pid <= 0 || *end != '\0' || pid == state.pid) continue;
    if (namespace_link(static_cast<pid_t>(pid), "pid") == ns)
      pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

// sandbox kill's names and numbers; 0 checks that the container is there, as kill(2) does.
Result<int> parse_signal(std::string_view text) {
  if (text == "0") return 0;
  return containers::parse_signal(text);
}

std::string features_json() {
  using nlohmann::json;
  json caps = json::array();
  for (int cap = 0; cap <= security::kMaxKnownCap; ++cap)
    if (auto name = security::capability_name(cap)) caps.push_back(std::string(*name));
  json j = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.1.0"},
      {"hooks", {"prestart", "createRuntime", "poststart", "poststop"}},
      {"mountOptions",
       {"async",      "atime",         "bind",    "defaults", "dev",         "diratime",  "dirsync",
        "exec",       "mand",          "noatime", "nodev",    "nodiratime",  "noexec",    "nomand",
        "norelatime", "nostrictatime", "nosuid",  "private",  "rbind",       "relatime",  "remount",
        "ro",         "rprivate",      "rshared", "rslave",   "runbindable", "rw",        "shared",
        "slave",      "strictatime",   "suid",    "sync",     "tmpcopyup",   "unbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}},
        {"capabilities", caps},
        {"cgroup", {{"v1", false}, {"v2", true}, {"systemd", true}, {"systemdUser", true}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}}}},
  };
  return j.dump(4);
}

}  // namespace sbx::oci
