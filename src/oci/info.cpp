// list, ps, features and signal names.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
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

// The pids in `cgroup` and the cgroups below it.
std::vector<pid_t> cgroup_pids(const std::filesystem::path& cgroup) {
  std::vector<pid_t> out;
  std::error_code ec;
  auto add = [&](const std::filesystem::path& dir) {
    auto text = read_file(dir / "cgroup.procs");
    if (!text) return;
    for (const auto& line : split(*text, '\n'))
      if (long pid = std::strtol(line.c_str(), nullptr, 10); pid > 0)
        out.push_back(static_cast<pid_t>(pid));
  };
  add(cgroup);
  for (auto it = std::filesystem::recursive_directory_iterator(cgroup, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory(ec)) add(it->path());
  return out;
}

}  // namespace

std::vector<ListEntry> list_containers(const StateDir& dir) {
  std::vector<ListEntry> out;
  for (const auto& id : dir.ids())
    if (auto state = dir.read(id)) out.push_back({*state, status_of(dir, *state)});
  return out;
}

std::optional<std::vector<pid_t>> all_container_processes(const ContainerState& state) {
  std::vector<pid_t> pids = {state.pid};
  std::string ns = namespace_link(state.pid, "pid");
  if (ns.empty() || ns == namespace_link(::getpid(), "pid")) {
    // No pid namespace of its own: its cgroup says which processes are its.
    if (state.cgroup.empty()) return std::nullopt;
    return cgroup_pids(state.cgroup);
  }
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

Result<std::vector<pid_t>> container_processes(const StateDir& dir, const std::string& id) {
  auto state = SBX_TRY(dir.read(id));
  if (status_of(dir, state) == ContainerStatus::kStopped) return std::vector<pid_t>{};
  auto all = all_container_processes(state);
  // Neither a pid namespace nor a cgroup of its own: only init is known to be its.
  return all ? *all : std::vector<pid_t>{state.pid};
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
      {"mountOptions", {"async",         "atime",       "bind",    "defaults",  "dev",
                        "diratime",      "dirsync",     "exec",    "mand",      "noatime",
                        "nodev",         "nodiratime",  "noexec",  "nomand",    "norelatime",
                        "nostrictatime", "nosuid",      "private", "rbind",     "relatime",
                        "remount",       "ro",          "rro",     "rprivate",  "rshared",
                        "rslave",        "runbindable", "rw",      "shared",    "slave",
                        "strictatime",   "suid",        "sync",    "tmpcopyup", "unbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
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
