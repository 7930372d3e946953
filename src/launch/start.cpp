// `start`: a stopped container again, re-planned from its config.json on the
// same upper layer, under a new monitor.
#include "sandbox/launch/start.hpp"
#include "launch.hpp"
#include "run_inputs.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::launch {

Status start_container(const containers::Containers& containers, const std::string& id,
                       bool wait_for_attach) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
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
  lock = FileLock();  // `container cleanup` records the end under it
  gc_lock = FileLock();
  (void)started.monitor.wait();
  return fail(command_exec_error(plan.process.args.front(), started.command_failed->errno_value()));
}

}  // namespace sbx::launch
