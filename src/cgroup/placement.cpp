#include "sandbox/cgroup/placement.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/cgroup/cgroup_fs.hpp"
#include "sandbox/cgroup/host_check.hpp"
#include "systemd_scope.hpp"

namespace sbx::cgroup {
namespace {

constexpr const char* kDelegateFix =
    "add a drop-in /etc/systemd/system/user@.service.d/delegate.conf with \"[Service]\" and "
    "\"Delegate=cpu cpuset io memory pids\" (packaging/systemd/delegate.conf), run "
    "`systemctl daemon-reload`, log in again (`loginctl enable-linger $USER` keeps your manager "
    "running); or pass --limits=best-effort to run without the limits";

const char* flags_of(const std::string& controller) {
  if (controller == "memory") return "--memory/--memory-swap/--memory-reservation";
  if (controller == "cpu") return "--cpus/--cpu-shares/--cpu-weight";
  if (controller == "cpuset") return "--cpuset-cpus";
  if (controller == "pids") return "--pids-limit";
  if (controller == "io") return "--io-weight";
  return "limits";
}

std::string describe_missing(const std::vector<std::string>& missing) {
  std::vector<std::string> parts;
  for (auto& name : missing) parts.push_back(name + " (" + flags_of(name) + ")");
  return (missing.size() == 1 ? "controller " : "controllers ") + join(parts, ", ");
}

std::filesystem::path user_manager_cgroup() {
  std::string uid = std::to_string(::getuid());
  return std::filesystem::path(kCgroupMount) / "user.slice" / ("user-" + uid + ".slice") /
         ("user@" + uid + ".service");
}

bool writable_cgroup(const std::filesystem::path& dir) {
  return ::access(dir.c_str(), W_OK) == 0 && ::access((dir / "cgroup.procs").c_str(), W_OK) == 0 &&
         ::access((dir / "cgroup.subtree_control").c_str(), W_OK) == 0;
}

// What the chosen manager can give us; nullopt with `why` when nothing.
std::optional<std::vector<std::string>> available_controllers(Manager manager, std::string& why) {
  CgroupFacts facts = gather_cgroup_facts();
  if (facts.layout != Layout::kUnified) {
    why = std::string("this host's cgroups are ") + layout_name(facts.layout) +
          ", limits need cgroup v2";
    return std::nullopt;
  }
  if (manager == Manager::kCgroupfs) {
    auto own = cgroup_dir(facts.own_cgroup);
    if (facts.own_cgroup.empty() || !writable_cgroup(own)) {
      why = "the current cgroup " + facts.own_cgroup + " is not delegated to you";
      return std::nullopt;
    }
    return read_controllers(own);
  }
  if (detail::user_manager_address().empty()) {
    why = "no systemd user manager is reachable ($XDG_RUNTIME_DIR/systemd/private)";
    return std::nullopt;
  }
  auto manager_cgroup = user_manager_cgroup();
  if (!path_exists(manager_cgroup))
    return std::vector<std::string>{"cpu", "cpuset", "io", "memory",
                                    "pids"};  // checked again in the scope
  return read_controllers(manager_cgroup);
}

Status make_leaf(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return fail_errno("mkdir", dir.string());
  return {};
}

Result<std::filesystem::path> make_scope(const std::string& id, const CgroupRequest& request,
                                         pid_t container_pid, pid_t launcher_pid) {
  if (request.manager == Manager::kSystemd) {
    SBX_TRY(
        detail::start_transient_scope("sandbox-" + id + ".scope", {launcher_pid, container_pid}));
    return cgroup_dir(SBX_TRY(cgroup_of(container_pid)));
  }
  auto own = cgroup_dir(SBX_TRY(cgroup_of(launcher_pid)));
  auto scope = own / ("sandbox-" + id);
  SBX_TRY(make_leaf(scope));
  // Our own cgroup hands the controllers down; it fails (EBUSY) when it has
  // processes of its own and no controllers enabled yet.
  std::vector<std::string> wanted = required_controllers(request.limits);
  auto present = split(trim(read_file(own / "cgroup.subtree_control").value_or("")), ' ');
  std::erase_if(wanted, [&](auto& c) { return std::ranges::find(present, c) != present.end(); });
  SBX_TRY_CTX(enable_controllers(own, wanted), "cgroupfs " + own.string());
  return scope;
}

}  // namespace

Result<std::optional<std::string>> settle_limits_against(
    CgroupRequest& request, const std::optional<std::vector<std::string>>& available,
    const std::string& why) {
  if (!request.limits.any()) return std::nullopt;
  Limits kept = request.limits;
  auto missing = drop_unavailable(kept, available.value_or(std::vector<std::string>{}));
  if (missing.empty()) return std::nullopt;
  std::string reason =
      available ? describe_missing(missing) + " not delegated to your user" +
                      (available->empty() ? "" : " (delegated: " + join(*available, " ") + ")")
                : why + "; " + describe_missing(missing) + " cannot be enforced";
  if (request.policy == Policy::kStrict) {
    std::string hint = kDelegateFix;
    if (why.starts_with("this host's cgroups"))
      hint = "boot the host with systemd.unified_cgroup_hierarchy=1 (cgroup v2), then " + hint;
    return fail(Error("cannot enforce the limits: " + reason).with_hint(hint));
  }
  request.limits = kept;
  return "limits not enforced (--limits=best-effort): " + reason;
}

Result<std::optional<std::string>> settle_limits(CgroupRequest& request) {
  if (!request.limits.any()) return std::nullopt;
  std::string why;
  auto available = available_controllers(request.manager, why);
  return settle_limits_against(request, available, why);
}

Result<Placement> place(const std::string& id, const CgroupRequest& request, pid_t container_pid,
                        pid_t launcher_pid) {
  if (!request.limits.any()) return Placement{};
  Placement p;
  p.scope = SBX_TRY(make_scope(id, request, container_pid, launcher_pid));
  p.container = p.scope / "container";
  SBX_TRY(make_leaf(p.container));
  SBX_TRY(make_leaf(p.scope / "monitor"));
  SBX_TRY_CTX(move_process(p.scope / "monitor", launcher_pid), "move the monitor");
  SBX_TRY_CTX(move_process(p.container, container_pid), "move the container");
  auto available = read_controllers(p.scope);
  Limits limits = request.limits;
  if (!limits.pids_limit && std::ranges::find(available, "pids") != available.end())
    limits.pids_limit = kDefaultPidsLimit;
  auto missing = drop_unavailable(limits, available);
  if (!missing.empty() && request.policy == Policy::kStrict)
    return fail(Error("cannot enforce the limits: " + describe_missing(missing) +
                      " not available in " + p.scope.string())
                    .with_hint(kDelegateFix));
  SBX_TRY(enable_controllers(p.scope, required_controllers(limits)));
  SBX_TRY_CTX(write_limits(p.container, limits), "write limits");
  return p;
}

std::vector<std::pair<std::string, std::filesystem::path>> find_scoped_containers(
    std::string_view id_prefix) {
  std::vector<std::pair<std::string, std::filesystem::path>> found;
  std::error_code ec;
  auto manager = user_manager_cgroup();
  for (const char* slice : {"app.slice", ""}) {
    auto dir = *slice ? manager / slice : manager;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (!name.starts_with("sandbox-") || !name.ends_with(".scope")) continue;
      std::string id = name.substr(8, name.size() - 8 - 6);
      if (id.starts_with(id_prefix) && path_exists(entry.path() / "container"))
        found.emplace_back(id, entry.path() / "container");
    }
  }
  return found;
}

Status update_limits(const std::filesystem::path& container_cgroup, const Limits& limits) {
  auto parent = container_cgroup.parent_path();
  auto available = read_controllers(parent);
  Limits wanted = limits;
  auto missing = drop_unavailable(wanted, available);
  if (!missing.empty())
    return fail(Error("cannot update: " + describe_missing(missing) + " not delegated")
                    .with_hint(kDelegateFix));
  auto enabled = split(trim(read_file(parent / "cgroup.subtree_control").value_or("")), ' ');
  std::vector<std::string> needed = required_controllers(wanted);
  std::erase_if(needed, [&](auto& c) { return std::ranges::find(enabled, c) != enabled.end(); });
  SBX_TRY(enable_controllers(parent, needed));
  return write_limits(container_cgroup, wanted);
}

}  // namespace sbx::cgroup
