// `sandbox run`, one fallible step per line (ARCHITECTURE.md, "The run path").
#include "sandbox/runtime/run.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

#include "run_inputs.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/runtime/container_spec.hpp"
#include "sandbox/runtime/flag_parsers.hpp"
#include "sandbox/runtime/launch_plan.hpp"
#include "sandbox/runtime/spawn.hpp"
#include "sandbox/store/lookup.hpp"
#include "sandbox/userns/write_id_maps.hpp"
#include "supervise.hpp"

namespace sbx::runtime {
namespace {

Result<std::string> new_container_id() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) return fail_errno("getrandom", "");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += {kHex[b >> 4], kHex[b & 15]};
  return id;
}

Result<store::ImageRecord> resolve_or_pull(const store::Store& store, const std::string& ref,
                                           ProgressSink& progress) {
  auto found = store.resolve(ref);
  if (found || !store::is_not_found(found.error())) return found;
  auto pulled = SBX_TRY(pull_image(store, ref, PullOptions{}, progress));
  return store.resolve(pulled.id.str());
}

// -e and --env-file entries in order, KEY alone taken from our environment.
Result<std::vector<std::string>> collect_env(const RunFlags& flags) {
  std::vector<std::string> entries;
  for (const auto& path : flags.env_files) {
    auto text = SBX_TRY_CTX(read_file(path), "--env-file");
    auto parsed = SBX_TRY_CTX(parse_env_file(text), "--env-file " + path);
    entries.insert(entries.end(), parsed.begin(), parsed.end());
  }
  entries.insert(entries.end(), flags.env.begin(), flags.env.end());
  return expand_env(entries, [](const std::string& key) -> std::optional<std::string> {
    const char* value = std::getenv(key.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
}

// Removes containers/<id> (files in it may belong to subordinate ids).
struct ContainerDirCleanup {
  std::filesystem::path dir;
  bool armed = false;
  ~ContainerDirCleanup() {
    if (armed) (void)userns_tree_remover()({dir});
  }
};

// `started` runs once the command was exec'd (the container exists from then on).
Result<int> start_and_wait(const LaunchPlan& plan, const std::function<void()>& started) {
  detail::BlockedSignals signals;
  auto process = SBX_TRY(ContainerProcess::spawn(plan, embedded_init()));
  SBX_TRY_CTX(userns::write_id_maps(process.pid(), plan.id_maps), "write id maps");
  SBX_TRY(process.release_and_await_host_wait());
  // Network (slirp4netns) and cgroup placement go here (their own issues).
  SBX_TRY(process.release_and_await_exec());
  started();
  UniqueFd pty = process.take_pty_master();
  int status =
      SBX_TRY(detail::supervise(process, signals, std::move(pty), plan.process.stdin_open));
  return exit_code_of(status);
}

}  // namespace

Result<int> run_container(const RunOptions& options, ProgressSink& progress) {
  RunFlags flags = options.flags;
  auto store = SBX_TRY(store::Store::open(options.store_root));
  auto gc_lock = SBX_TRY(store.lock_gc_shared());  // keeps our layers from being collected
  auto image = SBX_TRY(resolve_or_pull(store, flags.image, progress));
  auto config = SBX_TRY(store.image_config(image.id));
  std::string id = SBX_TRY(new_container_id());
  if (!flags.hostname) flags.hostname = id.substr(0, 12);
  flags.env = SBX_TRY(collect_env(flags));
  auto spec = SBX_TRY(make_container_spec(image_defaults(config), flags));
  SBX_TRY(check_bind_sources(spec));

  // A container that never started leaves nothing behind, --rm or not.
  ContainerDirCleanup cleanup{store.containers_dir() / id, true};
  SBX_TRY(make_dirs(cleanup.dir, 0700));
  SBX_TRY(store.record_container_image(id, image.id));
  if (!spec.name.empty()) SBX_TRY(write_file_atomic(cleanup.dir / "name", spec.name));
  auto inputs =
      SBX_TRY(gather_launch_inputs(store, image, spec, id, options.storage_driver, progress));
  auto plan = SBX_TRY(make_launch_plan(spec, inputs));
  return start_and_wait(plan, [&] { cleanup.armed = spec.remove; });
}

}  // namespace sbx::runtime
