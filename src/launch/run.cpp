// `sandbox run`, one fallible step per line (docs/architecture.md, "The run path").
#include "sandbox/launch/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>

#include "health_loop.hpp"
#include "image_choice.hpp"
#include "launch.hpp"
#include "run_inputs.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/containers/events.hpp"
#include "sandbox/containers/flag_parsers.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/log_writer.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/containers/volumes.hpp"
#include "sandbox/images/tree_remover.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/launch/plan.hpp"
#include "sandbox/launch/start.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/userns/namespace_holder.hpp"
#include "spawn.hpp"
#include "supervise.hpp"

namespace sbx::launch {
namespace {

// Removes containers/<id> (files in it may belong to subordinate ids) and the
// runtime dir made while planning.
struct ContainerDirCleanup {
  std::filesystem::path dir;
  std::filesystem::path runtime_dir;
  bool armed = false;
  ~ContainerDirCleanup() {
    if (!armed) return;
    (void)images::userns_tree_remover()({dir});
    (void)remove_tree(runtime_dir);
  }
};

// Everything a run needs before the container starts; a failure before the
// start removes the container's dir.
struct Prepared {
  store::Store store;
  FileLock gc_lock;  // keeps our layers from being collected
  containers::Containers containers;
  std::string id;
  image::Digest image_id;
  containers::ContainerSpec spec;
  containers::ContainerMeta meta;  // config.json and meta.json are written as the container starts
  LaunchPlan plan;
  std::unique_ptr<ContainerDirCleanup> cleanup;
  // Held from before the dir is made until config.json is written: without
  // it, a dir a kill left half made is garbage (containers::Containers::collect_abandoned).
  FileLock creating;
};

Result<Prepared> prepare(const RunOptions& options, const userns::IdMaps& maps,
                         images::ProgressSink& progress) {
  containers::RunFlags flags = options.flags;
  auto store = SBX_TRY(store::Store::open(options.store_root));
  auto gc_lock = SBX_TRY(store.lock_gc_shared());
  auto containers = SBX_TRY(containers::Containers::open(store.root()));
  auto image = SBX_TRY(resolve_run_image(store, flags, progress));  // image_choice.cpp
  auto config = SBX_TRY(store.image_config(image.id));
  SBX_TRY(check_image_runs_here(config));
  std::string id = SBX_TRY(containers::new_random_id());
  if (!flags.hostname) flags.hostname = id.substr(0, 12);
  flags.env = SBX_TRY(collect_env(flags.env_files, flags.env, flags.http_proxy));
  auto spec = SBX_TRY(make_container_spec(image_defaults(config), flags));
  SBX_TRY(check_bind_sources(spec));
  auto volumes = SBX_TRY(containers::Volumes::open(store.root()));
  SBX_TRY(containers::name_anonymous_volumes(volumes, spec));
  SBX_TRY(settle_cgroup_limits(spec, progress));

  // A container that never started leaves nothing behind, --rm or not.
  auto creating = SBX_TRY(containers.lock(id));
  auto cleanup = std::make_unique<ContainerDirCleanup>(store.containers_dir() / id,
                                                       containers.runtime_dir(id), true);
  SBX_TRY(make_dirs(cleanup->dir, 0700));
  containers::ContainerMeta meta{flags.image, containers::now_rfc3339(), options.storage_driver,
                                 options.command_flags, options.command_image_args};
  auto plan = SBX_TRY(plan_container(store, image, spec, id, containers.runtime_dir(id), maps,
                                     options.storage_driver));
  return Prepared{std::move(store),   std::move(gc_lock), std::move(containers), id,
                  image.id,           std::move(spec),    std::move(meta),       std::move(plan),
                  std::move(cleanup), std::move(creating)};
}

// The container's records: its image (for the store's collector), its name
// (unique: a taken --name fails here) and config.json and meta.json. Every
// one is a new inode, costly on some filesystems: the foreground run writes
// them while its container mounts its rootfs.
Status write_container_records(Prepared& p) {
  SBX_TRY(p.store.record_container_image(p.id, p.image_id));
  p.spec.name = SBX_TRY(p.containers.claim_name(p.id, p.spec.name));
  SBX_TRY(p.containers.write_config(p.id, p.spec, p.meta));
  containers::record_container_event(p.containers, p.id, "create");
  return {};
}

// A foreground run's output goes to ctr.log as well as to the caller, so
// that `logs` shows it as a detached run's (podman's k8s-file). Without -t
// through pipes we copy; with -t the pty we relay anyway. --rm keeps the
// caller's stdout and stderr: its log would go with the container. So do
// --log-driver none and passthrough.
struct ForegroundOutput {
  std::optional<containers::LogWriter> log;
  UniqueFd out_read, out_write, err_read, err_write;
};

Result<ForegroundOutput> make_foreground_output(const Prepared& p) {
  ForegroundOutput o;
  if (p.spec.remove || !containers::keeps_log(p.spec)) return o;
  o.log = SBX_TRY(containers::LogWriter::open(
      containers::container_log_file(p.spec, p.containers.store_dir(p.id))));
  if (p.plan.process.terminal) return o;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "the container's stdout");
  o.out_read = UniqueFd(fds[0]);
  o.out_write = UniqueFd(fds[1]);
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "the container's stderr");
  o.err_read = UniqueFd(fds[0]);
  o.err_write = UniqueFd(fds[1]);
  return o;
}

// The foreground run watches the container itself and records its end.
Result<int> run_foreground(Prepared& p, userns::NamespaceHolder& ahead, ChildProcess& collector) {
  detail::BlockedSignals signals;
  std::string started_at = containers::now_rfc3339();
  auto write_records = [&]() -> Status {
    SBX_TRY(write_container_records(p));
    SBX_TRY(p.containers.mark_started(p.id, started_at));
    // Whole and started now: listed, and removed only by rm (a prune that
    // waited for the lock finds it running, never "created").
    p.creating = FileLock();
    return Status{};
  };
  auto output = SBX_TRY(make_foreground_output(p));
  SpawnOptions spawn_options;
  spawn_options.stdout_fd = output.out_write.get();
  spawn_options.stderr_fd = output.err_write.get();
  SBX_TRY(ahead.await_ready());
  auto launched =
      SBX_TRY(launch(p.plan, p.spec, p.containers.runtime_dir(p.id),
                     {ahead.pidfd(), ahead.namespaces()}, write_records, spawn_options));
  output.out_write.reset();  // the container holds them now: EOF once it is gone
  output.err_write.reset();
  ahead.release();             // while the container starts
  collector.reap_if_exited();  // not a zombie while the container runs
  p.cleanup->armed = false;    // it exists now: its end is recorded below (and --rm honoured)
  SBX_TRY(
      p.containers.write_runtime_state(p.id, describe_launched(launched, ::getpid(), started_at)));
  containers::record_container_event(p.containers, p.id, "start");
  // Probes as the monitor's, so that ps and inspect elsewhere show the health.
  auto health = SBX_TRY(
      detail::ForegroundHealthChecks::start(p.containers.store_root(), p.id, p.spec.health));
  UniqueFd pty = launched.process.take_pty_master();
  detail::OutputCopy copy{std::move(output.out_read), std::move(output.err_read),
                          output.log ? &*output.log : nullptr};
  int status = SBX_TRY(detail::supervise(launched.process, signals, std::move(pty),
                                         p.plan.process.stdin_open, std::move(copy)));
  int code = exit_code_of(status);
  health.stop();                  // no probe writes after the end is recorded
  launched.network.begin_stop();  // ends while we record the exit (reaped on return)
  // Best effort: `rm -f` may have removed the container meanwhile.
  (void)finish_container(p.containers, p.id,
                         containers::ExitRecord{code, false, containers::now_rfc3339()});
  if (p.spec.restart.restarts()) restart_in_background(p.containers, p.id, code);
  return code;
}

}  // namespace

containers::RuntimeState describe_launched(const Launched& launched, pid_t watcher,
                                           const std::string& started_at) {
  containers::RuntimeState state;
  state.pid = launched.process.pid();
  state.pid_start_time = containers::process_start_time(state.pid);
  state.monitor_pid = watcher;
  state.monitor_start_time = containers::process_start_time(watcher);
  state.started_at = started_at;
  launched.network.describe(state);
  launched.cgroup.describe(state);
  return state;
}

// spawn -> child mounts -> host side -> child pivots -> exec. Shared by foreground
// and detached runs (and `start`): the caller watches the result.
Result<Launched> launch(const LaunchPlan& plan, const containers::ContainerSpec& spec,
                        const std::filesystem::path& runtime_dir, NamespacesToJoin ahead,
                        const std::function<Status()>& meanwhile,
                        const SpawnOptions& spawn_options) {
  SBX_TRY(make_dirs(runtime_dir, 0700));  // network keeps its API socket there
  auto process = SBX_TRY(ContainerProcess::spawn(plan, embedded_init(), ahead, spawn_options));
  // slirp4netns comes up, and `meanwhile` runs, while the child mounts its rootfs.
  auto network = SBX_TRY_CTX(start_network(spec, process.pid(), runtime_dir), "network");
  if (meanwhile) SBX_TRY(meanwhile());
  SBX_TRY(process.await_host_wait());
  SBX_TRY_CTX(network.attach(), "network");
  network.hold_user_networks(
      SBX_TRY_CTX(attach_user_networks(plan, spec, process.pid()), "network"));
  auto cgroup = SBX_TRY_CTX(place_in_cgroup(spec, plan.id, process.pid(), ::getpid()), "cgroup");
  auto command_failed = SBX_TRY(process.release_and_await_exec());
  return Launched{std::move(process), std::move(network), std::move(cgroup),
                  std::move(command_failed)};
}

// The namespaces are made first (make_namespaces_ahead), and the deletion of
// what the last --rm run left for later runs while everything else is
// prepared.
Result<int> run_container(const RunOptions& options, images::ProgressSink& progress) {
  auto ahead = SBX_TRY(make_namespaces_ahead(wants_keep_id(options.flags),
                                             !makes_own_network(options.flags), progress));
  // A broken store is prepare's error to report; the collector just skips it.
  auto containers = containers::Containers::open(options.store_root);
  auto collector = containers ? collect_removed_in_background(*containers) : ChildProcess();
  auto prepared = SBX_TRY(prepare(options, ahead.maps, progress));
  int code = SBX_TRY(run_foreground(prepared, ahead.holder, collector));
  if (collector) (void)collector.wait();
  return code;
}

Result<std::string> create_container_record(const RunOptions& options,
                                            images::ProgressSink& progress) {
  auto ahead = SBX_TRY(make_namespaces_ahead(wants_keep_id(options.flags),
                                             !makes_own_network(options.flags), progress));
  auto p = SBX_TRY(prepare(options, ahead.maps, progress));
  SBX_TRY(write_container_records(p));
  p.cleanup->armed = false;
  return p.id;  // its lock goes: `start` and `container prune` may take it
}

Result<DetachedRun> run_container_detached(const RunOptions& options,
                                           images::ProgressSink& progress) {
  auto ahead = SBX_TRY(make_namespaces_ahead(wants_keep_id(options.flags),
                                             !makes_own_network(options.flags), progress));
  auto p = SBX_TRY(prepare(options, ahead.maps, progress));
  FileLock lock = std::move(p.creating);  // the container's lock, kept for its start
  SBX_TRY(write_container_records(p));
  SBX_TRY(ahead.holder.await_ready());
  auto started = SBX_TRY(launch_detached(p.containers, p.id, p.plan, p.spec,
                                         {ahead.holder.pidfd(), ahead.holder.namespaces()}));
  p.cleanup->armed = false;
  if (!started.command_failed) return DetachedRun{p.id, std::nullopt};
  // `container cleanup` records the end (and --rm): it needs these locks.
  lock = FileLock();
  p.gc_lock = FileLock();
  (void)started.monitor.wait();
  return DetachedRun{
      p.id, command_exec_error(p.plan.process.args.front(), started.command_failed->errno_value())};
}

}  // namespace sbx::launch
