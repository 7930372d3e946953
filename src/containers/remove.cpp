// The end of a container's run (cleanup) and of the container (rm, prune), and
// its name (rename). Each holds the container's lock.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "sandbox/base/files.hpp"
#include "sandbox/cgroup/cgroup_fs.hpp"
#include "sandbox/cgroup/placement.hpp"
#include "sandbox/containers/events.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/volumes.hpp"
#include "sandbox/images/tree_remover.hpp"
#include "sandbox/net/user_netns.hpp"

namespace sbx::containers {

namespace {

// A container's store dir holds files owned by subordinate ids.
Status remove_container_tree(const std::filesystem::path& dir) {
  return images::userns_tree_remover()({dir});
}

using namespace std::chrono_literals;

// Kills a running container and waits for its PID 1 to be gone (not for the
// monitor's cleanup: that needs the lock our caller holds).
Status kill_for_removal(const ContainerInfo& info) {
  pid_t pid = info.runtime->pid;
  uint64_t start = info.runtime->pid_start_time;
  if (::kill(pid, SIGKILL) != 0 && errno != ESRCH)
    return fail_errno("kill", "container " + info.name);
  for (int i = 0; i < 1000 && process_alive(pid, start); ++i) ::usleep(10000);
  if (process_alive(pid, start)) return fail("container " + info.name + " did not die on SIGKILL");
  return {};
}

// rm -v and --rm: once the container is gone, its anonymous volumes are unused.
Status remove_volumes_of(const Containers& containers, const ContainerSpec& spec) {
  if (std::ranges::none_of(spec.mounts,
                           [](const MountRequest& m) { return m.type == MountType::kVolume; }))
    return {};
  auto volumes = SBX_TRY(Volumes::open(containers.store_root()));
  return with_context(remove_anonymous_volumes(volumes, spec), "remove anonymous volumes");
}

// Nothing was written to the container's rootfs: its upper dir is empty (and
// there is no copied rootfs, as the vfs driver makes).
bool rootfs_untouched(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "rootfs", ec)) return false;
  return std::filesystem::is_empty(dir / "upper", ec) && !ec;
}

}  // namespace

ChildProcess collect_removed_in_background(const Containers& containers) {
  auto dirs = containers.trash();
  if (dirs.empty()) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    // Best effort: what is left is collected next time (or by prune).
    (void)images::userns_tree_remover()(dirs);
    ::_exit(0);
  }
  return ChildProcess(pid > 0 ? pid : -1);
}

Status empty_trash(const Containers& containers) {
  SBX_TRY(containers.collect_abandoned());
  auto dirs = containers.trash();
  if (dirs.empty()) return {};
  return images::userns_tree_remover()(dirs);
}

// Its place on user networks (netavark teardown); best effort: the
// namespace's next start forgets what a failed one leaves.
void detach_user_networks(const Containers& containers, const ContainerInfo& info) {
  if (info.spec.network != NetworkMode::kBridge) return;
  if (auto dir = net::user_netns_dir(containers.store_root()))
    (void)net::detach_container(*dir, info.id);
}

Status finish_container(const Containers& containers, const std::string& id,
                        const ExitRecord& record) {
  auto lock = SBX_TRY(containers.lock(id));
  if (!path_exists(containers.store_dir(id) / "config.json")) return {};  // removed meanwhile
  auto info = SBX_TRY(containers.info(id));
  if (info.status == ContainerStatus::kRunning) return {};  // a newer start already runs it
  detach_user_networks(containers, info);
  record_container_event(containers, info, "die", {{"exitCode", std::to_string(record.exit_code)}});
  ExitRecord final_record = record;  // OOMKilled from the container's cgroup
  if (info.runtime && !info.runtime->cgroup_path.empty()) {
    final_record.oom_killed |= cgroup::oom_killed(info.runtime->cgroup_path);
    (void)cgroup::remove_cgroup(info.runtime->cgroup_path);  // cgroupfs dirs; best effort
  }
  // --rm: nothing to record, the container goes (one file fewer to create).
  // Untouched, it leaves only our records and empty overlay dirs: deleting
  // them (a synchronous discard per block on some disks) is left for later.
  if (info.spec.remove) {
    record_container_event(containers, info, "remove");
    SBX_TRY(rootfs_untouched(info.store_dir) ? containers.remove_later(id)
                                             : containers.remove(id, remove_container_tree));
    return remove_volumes_of(containers, info.spec);
  }
  if (has_healthcheck(info.spec.health))  // the probes are over: the monitor killed its last
    SBX_TRY(keep_final_health_state(info.runtime_dir, info.store_dir));
  SBX_TRY(containers.write_exit(id, final_record));
  return containers.remove_runtime_state(id);
}

Status remove_container(const Containers& containers, const std::string& id, bool force,
                        bool volumes) {
  auto lock = SBX_TRY(containers.lock(id));
  auto found = containers.info(id);
  // Records are not fsynced: a machine crash may leave config.json empty.
  // Nothing runs for it then (the runtime dir went with the reboot).
  if (!found && path_exists(containers.store_dir(id) / "config.json") &&
      !path_exists(containers.runtime_dir(id)))
    return with_context(containers.remove(id, remove_container_tree), "remove " + id.substr(0, 12));
  auto info = SBX_TRY(std::move(found));
  end_pending_restart(containers, id);  // a restart policy's next start
  if (info.status == ContainerStatus::kRunning) {
    if (!force)
      return fail(Error("cannot remove container " + info.name + ": it is running")
                      .with_hint("stop it first (sandbox stop " + info.name +
                                 ") or force the removal with rm -f"));
    SBX_TRY(kill_for_removal(info));
  }
  detach_user_networks(containers, info);
  // The monitor's cleanup finds the container gone: its cgroupfs dirs go here.
  if (info.runtime && !info.runtime->cgroup_path.empty())
    (void)cgroup::remove_cgroup(info.runtime->cgroup_path);
  SBX_TRY_CTX(containers.remove(id, remove_container_tree), "remove " + info.name);
  record_container_event(containers, info, "remove");
  if (volumes) SBX_TRY_CTX(remove_volumes_of(containers, info.spec), "remove " + info.name);
  return {};
}

Result<std::vector<std::string>> prune_containers(const Containers& containers) {
  SBX_TRY_CTX(empty_trash(containers), "collect what killed commands left");
  std::vector<std::string> removed;
  for (const auto& info : SBX_TRY(containers.list())) {
    if (info.status == ContainerStatus::kRunning) continue;
    // A run holds the lock from before the container's records exist until
    // it has started: waiting for it, we find a created one only if `create`
    // made it.
    auto lock = SBX_TRY(containers.lock(info.id));
    auto now = containers.info(info.id);
    if (!now || now->status == ContainerStatus::kRunning) continue;
    SBX_TRY(containers.remove(info.id, remove_container_tree));
    record_container_event(containers, *now, "remove");
    removed.push_back(info.id);
  }
  return removed;
}

Status rename_container(const Containers& containers, const std::string& id,
                        const std::string& new_name) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  if (new_name.empty()) return fail("rename: the new name is empty");
  if (new_name == info.name) return {};
  SBX_TRY(containers.claim_name(id, new_name));
  return {};
}

}  // namespace sbx::containers
