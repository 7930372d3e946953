#include "sandbox/containers/stats.hpp"

#include <thread>

#include "quiet_lookup.hpp"
#include "sandbox/cgroup/placement.hpp"

namespace sbx::containers {
namespace {

Error no_cgroup(const std::string& name) {
  return Error("no running container with limits: " + name)
      .with_hint(
          "update and stats need a running container started with limits "
          "(--memory, --cpus, --pids-limit, ...)");
}

bool has_own_cgroup(const ContainerInfo& info) {
  return info.status == ContainerStatus::kRunning && info.runtime &&
         !info.runtime->cgroup_path.empty();
}

}  // namespace

Result<CgroupTarget> find_cgroup_target(const std::filesystem::path& store_root,
                                        const std::string& name) {
  if (name.empty()) return fail("empty container id");
  std::optional<Containers> containers = open_quietly(store_root);
  if (auto id = resolve_quietly(containers, name)) {
    auto info = SBX_TRY(containers->info(*id));
    if (!has_own_cgroup(info)) return fail(no_cgroup(name));
    return CgroupTarget{*id, info.runtime->cgroup_path, info.name};
  }
  auto found = cgroup::find_scoped_containers(name);
  if (found.empty()) return fail(no_cgroup(name));
  if (found.size() > 1) return fail("container id prefix " + name + " is ambiguous");
  return CgroupTarget{found.front().first, found.front().second};
}

std::vector<CgroupTarget> running_with_cgroups(const std::filesystem::path& store_root) {
  std::vector<CgroupTarget> found;
  std::optional<Containers> containers = open_quietly(store_root);
  if (!containers) return found;
  if (auto list = containers->list())
    for (const auto& info : *list)
      if (has_own_cgroup(info)) found.push_back({info.id, info.runtime->cgroup_path, info.name});
  return found;
}

Result<std::vector<StatsSample>> sample_stats(const std::vector<CgroupTarget>& targets,
                                              std::chrono::milliseconds interval) {
  std::vector<cgroup::Stats> first;
  for (const auto& target : targets)
    first.push_back(SBX_TRY_CTX(cgroup::read_stats(target.cgroup), "stats " + target.id));
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(interval);
  double elapsed_usec =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  std::vector<StatsSample> out;
  for (size_t i = 0; i < targets.size(); ++i) {
    auto now = cgroup::read_stats(targets[i].cgroup);
    if (!now) continue;  // exited in between
    StatsSample s{targets[i].id, *now};
    s.name = targets[i].name;
    s.net = cgroup::read_net_io(targets[i].cgroup);
    s.block = cgroup::read_block_io(targets[i].cgroup);
    s.cpu_percent = 100.0 * double(now->cpu_usage_usec - first[i].cpu_usage_usec) / elapsed_usec;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sbx::containers
