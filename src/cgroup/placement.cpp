#include "sandbox/cgroup/placement.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <thread>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/cgroup/cgroup_fs.hpp"
#include "sandbox/cgroup/host_check.hpp"
#include "systemd_scope.hpp"

namespace sbx::cgroup {
namespace {

constexpr const char* kInitLeaf = "sandbox-init";

constexpr const char* kDelegateFix =
    "add a drop-in /etc/systemd/system/user@.service.d/delegate.conf with \"[Service]\" and "
    "\"Delegate=cpu cpuset io memory pids\" (/usr/share/doc/sandbox/examples/delegate.conf), run "
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
    why = std::string(manager == Manager::kCgroupfs ? "--cgroup-manager=cgroupfs: " : "") +
          "this host's cgroups are " + layout_name(facts.layout) + ", limits need cgroup v2";
    return std::nullopt;
  }
  if (manager == Manager::kCgroupfs) {
    std::string base_path = cgroupfs_base(facts.own_cgroup);
    auto base = cgroup_dir(base_path);
    if (facts.own_cgroup.empty() || !writable_cgroup(base)) {
      why = "--cgroup-manager=cgroupfs: the current cgroup " +
            (facts.own_cgroup.empty() ? std::string("(none)") : base_path) +
            " is not delegated to you (not writable)";
      return std::nullopt;
    }
    return read_controllers(base);
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

// A systemd scope for the container (the manager moves both pids in); its
// monitor leaf holds the launcher, which becomes the container's watcher.
Result<std::filesystem::path> make_systemd_scope(const std::string& id, pid_t container_pid,
                                                 pid_t launcher_pid) {
  SBX_TRY(detail::start_transient_scope("sandbox-" + id + ".scope", {launcher_pid, container_pid}));
  auto scope = cgroup_dir(SBX_TRY(cgroup_of(container_pid)));
  SBX_TRY(make_leaf(scope / "monitor"));
  SBX_TRY_CTX(move_process(scope / "monitor", launcher_pid), "move the monitor");
  return scope;
}

std::vector<pid_t> pids_in(const std::filesystem::path& cgroup) {
  std::vector<pid_t> pids;
  for (auto& line : split(read_file(cgroup / "cgroup.procs").value_or(""), '\n'))
    if (pid_t pid = 0;
        std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc())
      pids.push_back(pid);
  return pids;
}

// cgroup v2 lets a cgroup hand controllers to its children only while it has
// no processes of its own (but the root), so everything in `base` moves into
// its init leaf, as podman does in a delegated cgroup.
Status evacuate(const std::filesystem::path& base) {
  auto leaf = base / kInitLeaf;
  SBX_TRY(make_leaf(leaf));
  for (int round = 0; round < 20; ++round) {
    auto pids = pids_in(base);
    if (pids.empty()) return {};
    for (pid_t pid : pids)
      if (auto moved = move_process(leaf, pid); !moved && moved.error().errno_value() != ESRCH)
        return with_context(std::move(moved), "move into " + leaf.string());
  }
  return fail("processes keep appearing in " + base.string());
}

Status enable_in_base(const std::filesystem::path& base, std::vector<std::string> wanted) {
  auto present = split(trim(read_file(base / "cgroup.subtree_control").value_or("")), ' ');
  std::erase_if(wanted, [&](auto& c) { return std::ranges::find(present, c) != present.end(); });
  if (wanted.empty()) return {};
  auto enabled = enable_controllers(base, wanted);
  if (enabled || enabled.error().errno_value() != EBUSY) return enabled;
  SBX_TRY(evacuate(base));
  return enable_controllers(base, wanted);
}

// cgroupfs: <base>/sandbox-<id> in the delegated cgroup we run in. The
// launcher stays where it is (the init leaf once `base` hands controllers
// down): the container's cgroup holds the container alone.
Result<std::filesystem::path> make_cgroupfs_scope(const std::string& id,
                                                  const CgroupRequest& request,
                                                  pid_t launcher_pid) {
  auto base = cgroup_dir(cgroupfs_base(SBX_TRY(cgroup_of(launcher_pid))));
  SBX_TRY_CTX(enable_in_base(base, required_controllers(request.limits)),
              "cgroupfs " + base.string());
  auto scope = base / ("sandbox-" + id);
  SBX_TRY(make_leaf(scope));
  return scope;
}

bool is_cgroupfs_container(const std::filesystem::path& container) {
  std::string scope = container.parent_path().filename().string();
  return container.filename() == "container" && scope.starts_with("sandbox-") &&
         !scope.ends_with(".scope") && scope != kInitLeaf;
}

Status remove_dir(const std::filesystem::path& dir) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
  return fail_errno("rmdir", dir.string());
}

}  // namespace

std::string cgroupfs_base(std::string_view own_cgroup) {
  std::string own(own_cgroup);
  std::string leaf = std::string("/") + kInitLeaf;
  if (own.ends_with(leaf)) own.resize(own.size() - leaf.size());
  return own.empty() ? "/" : own;
}

Status remove_cgroup(const std::filesystem::path& container_cgroup) {
  if (!is_cgroupfs_container(container_cgroup)) return {};  // systemd collects its scopes
  // PID 1 is gone; the kernel kills the rest of its pid namespace, not at once.
  (void)kill_all(container_cgroup);
  Status removed = remove_dir(container_cgroup);
  for (int i = 0; i < 300 && !removed && removed.error().errno_value() == EBUSY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    removed = remove_dir(container_cgroup);
  }
  SBX_TRY(std::move(removed));
  return remove_dir(container_cgroup.parent_path());
}

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
    if (why.find("cgroupfs: the current cgroup") != std::string::npos)
      hint =
          "run sandbox in a cgroup delegated to you (e.g. `systemd-run --user --scope -p "
          "Delegate=yes sandbox run ...`), or use the default --cgroup-manager=systemd; or "
          "pass --limits=best-effort to run without the limits";
    else if (why.find("this host's cgroups") != std::string::npos)
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
  p.scope = request.manager == Manager::kSystemd
                ? SBX_TRY(make_systemd_scope(id, container_pid, launcher_pid))
                : SBX_TRY(make_cgroupfs_scope(id, request, launcher_pid));
  p.container = p.scope / "container";
  SBX_TRY(make_leaf(p.container));
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
  // io.stat for the BLOCK I/O of `stats`, wherever io is delegated.
  auto required = required_controllers(limits);
  if (std::ranges::find(available, "io") != available.end() &&
      std::ranges::find(required, "io") == required.end())
    (void)enable_controllers(p.scope, {"io"});
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
  // cgroupfs: a controller the run did not need is handed down now.
  if (is_cgroupfs_container(container_cgroup))
    (void)enable_in_base(parent.parent_path(), required_controllers(limits));
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
