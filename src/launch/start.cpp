// `start`: a stopped container again, re-planned from its config.json on the
// same upper layer, under a new monitor.
#include "sandbox/launch/start.hpp"
#include "launch.hpp"
#include "run_inputs.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::launch {

namespace {

// The start itself, under the container's `lock`. A command that cannot be
// exec'd ends the container at once: a user's start waits for its end to be
// recorded; the policy's does not (that end may restart it again, and a
// chain of waiting restarters would grow).
Status start_locked(const containers::Containers& containers, const std::string& id, FileLock& lock,
                    const containers::ContainerInfo& info, bool by_policy = false,
                    bool wait_for_attach = false) {
  if (info.status == containers::ContainerStatus::kRunning)
    return fail(Error("container " + info.name + " is already running")
                    .with_hint("stop it first, or use sandbox restart " + info.name));
  auto store = SBX_TRY(store::Store::open(containers.store_root()));
  auto gc_lock = SBX_TRY(store.lock_gc_shared());
  auto image_id = SBX_TRY_CTX(image::Digest::parse(info.image_id), "container " + info.name);
  auto image = SBX_TRY_CTX(store.image(image_id), "the image of container " + info.name);
  images::NullProgress quiet;
  SBX_TRY(containers.remove_runtime_state(id));  // a stale one (killed monitor, reboot)
  auto ahead = SBX_TRY(make_namespaces_ahead(
      info.spec.keep_id, !containers::makes_own_network(info.spec.network), quiet));
  auto plan = SBX_TRY(plan_container(store, image, info.spec, id, info.runtime_dir, ahead.maps,
                                     info.storage_driver));
  SBX_TRY(ahead.holder.await_ready());
  auto started =
      SBX_TRY(launch_detached(containers, id, plan, info.spec,
                              {ahead.holder.pidfd(), ahead.holder.namespaces()}, wait_for_attach));
  if (!started.command_failed) return {};
  if (by_policy) started.monitor.release();
  lock = FileLock();  // `container cleanup` records the end under it
  gc_lock = FileLock();
  if (!by_policy) (void)started.monitor.wait();
  return fail(command_exec_error(plan.process.args.front(), started.command_failed->errno_value()));
}

}  // namespace

Status start_container(const containers::Containers& containers, const std::string& id,
                       bool wait_for_attach) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  if (info.status != containers::ContainerStatus::kRunning)
    SBX_TRY(reset_restart_policy(containers, id, info));  // restart.cpp
  return start_locked(containers, id, lock, info, false, wait_for_attach);
}

Status restart_by_policy(const containers::Containers& containers, const std::string& id) {
  auto lock = SBX_TRY(containers.lock(id));
  containers::forget_pending_restart(containers, id);
  if (!path_exists(containers.store_dir(id) / "config.json")) return {};  // removed meanwhile
  auto info = SBX_TRY(containers.info(id));
  if (info.restart.stopped_by_user || info.status == containers::ContainerStatus::kRunning)
    return {};
  auto record = info.restart;
  ++record.count;
  SBX_TRY(containers::write_restart_record(containers, id, record));
  return start_locked(containers, id, lock, info, true);
}

}  // namespace sbx::launch
