// Finding containers and reading their state. The store dir is the list; the
// runtime dir only says whether one runs; the status is derived from both.
#include "sandbox/containers/records.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include "sandbox/base/paths.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/events.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = "config.json";
constexpr const char* kMeta = "meta.json";
constexpr const char* kName = "name";
constexpr const char* kExited = "exited.json";
constexpr const char* kStarted = "started";
constexpr const char* kState = "state.json";

// Container records are written atomically (rename) but not fsynced: an fsync
// here cost 1-5 ms of every run and stalled the child's overlay mount behind
// the write-back. A machine crash right after a run may leave a record empty;
// such a container is not listed, and `rm ID` removes it (remove.cpp).
constexpr auto kRecordDurability = Durability::kVolatile;

// The entries of containers/ (ids); an absent dir is an empty list.
std::vector<std::string> container_dirs(const fs::path& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec)) ids.push_back(entry.path().filename().string());
  return ids;
}

bool is_hex(std::string_view text) {
  return std::ranges::all_of(
      text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Error no_such_container(std::string_view what) {
  return Error("no such container: " + std::string(what))
      .with_hint("see `sandbox ps -a` for the containers of this store");
}

ContainerStatus derive_status(const ContainerInfo& info) {
  if (info.runtime && process_alive(info.runtime->pid, info.runtime->pid_start_time))
    return ContainerStatus::kRunning;
  if (info.exit) return ContainerStatus::kExited;
  // Started once, but nobody recorded the end (monitor killed, reboot).
  if (info.runtime || !info.started_at.empty()) return ContainerStatus::kUnknown;
  return ContainerStatus::kCreated;
}

// What the restart policy and the health checks left (restart.cpp, health.cpp).
void read_lifecycle_state(ContainerInfo& info) {
  if (info.spec.restart.restarts()) {
    if (auto text = read_file(info.store_dir / "restart.json"))
      info.restart = restart_record_from_json(*text).value_or(RestartRecord{});
    info.restarting = info.status != ContainerStatus::kRunning && restart_pending(info.runtime_dir);
  }
  if (!has_healthcheck(info.spec.health)) return;
  if (info.status == ContainerStatus::kRunning)
    info.health = read_health_state(info.runtime_dir).value_or(HealthState{});
  else if (info.status == ContainerStatus::kExited)
    info.health = read_health_state(info.store_dir);  // the last one, kept by finish_container
}

}  // namespace

std::string_view to_string(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::kCreated:
      return "created";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kExited:
      return "exited";
    case ContainerStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string store_key(const fs::path& canonical_store_root) {
  return image::sha256_of(canonical_store_root.native()).hex().substr(0, 16);
}

Result<Containers> Containers::open(const fs::path& store_root) {
  fs::path root = store_root.empty() ? SBX_TRY(default_store_root()) : store_root;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec) return fail_errno("realpath", root.native(), ec.value());
  fs::path base = SBX_TRY(runtime_root()) / store_key(canonical);
  return Containers(canonical, base);
}

fs::path Containers::store_dir(const std::string& id) const {
  return store_root_ / "containers" / id;
}

fs::path Containers::runtime_dir(const std::string& id) const { return runtime_base_ / id; }

Result<std::string> Containers::resolve(std::string_view id_or_name) const {
  std::string text(id_or_name);
  if (!text.empty() && text[0] == '/') text.erase(0, 1);  // docker's "/name"
  if (text.empty() || text.find('/') != std::string::npos || text == "." || text == "..")
    return fail(no_such_container(id_or_name));
  if (text.size() == 64 && is_hex(text) && path_exists(store_dir(text) / kConfig)) return text;
  std::vector<std::string> ids = container_dirs(store_root_ / "containers");
  for (const auto& id : ids)
    if (auto name = read_file(store_dir(id) / kName);
        name && trim(*name) == text && path_exists(store_dir(id) / kConfig))
      return id;
  std::vector<std::string> matches;
  if (is_hex(text))
    for (const auto& id : ids)
      if (id.starts_with(text) && path_exists(store_dir(id) / kConfig)) matches.push_back(id);
  if (matches.size() == 1) return matches[0];
  if (matches.size() > 1)
    return fail(Error("multiple containers match '" + text + "'")
                    .with_hint("give more characters of the id, or the name"));
  return fail(no_such_container(id_or_name));
}

Result<ContainerInfo> Containers::info(const std::string& id) const {
  ContainerInfo info;
  info.id = id;
  info.store_dir = store_dir(id);
  info.runtime_dir = runtime_dir(id);
  auto config = read_file(info.store_dir / kConfig);
  if (!config) {
    if (config.error().errno_value() == ENOENT) return fail(no_such_container(id));
    return fail(std::move(config).error());
  }
  info.spec = SBX_TRY_CTX(container_spec_from_json(*config), "container " + id.substr(0, 12));
  info.name = trim(read_file(info.store_dir / kName).value_or(""));
  info.spec.name = info.name;
  info.image_id = trim(read_file(info.store_dir / "image-id").value_or(""));
  if (auto meta = read_file(info.store_dir / kMeta)) {
    auto parsed = container_meta_from_json(*meta);
    if (parsed) {
      info.image = parsed->image;
      info.created_at = parsed->created_at;
      info.storage_driver = parsed->storage_driver;
      info.run_flags = std::move(parsed->run_flags);
      info.run_image_args = std::move(parsed->run_image_args);
    }
  }
  info.started_at = trim(read_file(info.store_dir / kStarted).value_or(""));
  if (auto state = read_file(info.runtime_dir / kState))
    if (auto parsed = runtime_state_from_json(*state)) info.runtime = std::move(*parsed);
  if (auto exited = read_file(info.store_dir / kExited))
    if (auto parsed = exit_record_from_json(*exited)) info.exit = std::move(*parsed);
  info.status = derive_status(info);
  read_lifecycle_state(info);
  info.paused =
      info.status == ContainerStatus::kRunning && cgroup_frozen(info.runtime->cgroup_path);
  return info;
}

Result<std::vector<ContainerInfo>> Containers::list() const {
  std::vector<ContainerInfo> out;
  for (const auto& id : container_dirs(store_root_ / "containers")) {
    auto found = info(id);
    if (found) out.push_back(std::move(*found));  // a dir being made or removed: skip it
  }
  std::ranges::sort(out, [](const ContainerInfo& a, const ContainerInfo& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
  });
  return out;
}

Result<FileLock> Containers::lock(const std::string& id) const {
  SBX_TRY(make_dirs(runtime_base_ / "locks", 0700));
  return FileLock::acquire(runtime_base_ / "locks" / id, FileLock::Mode::kExclusive);
}

Status Containers::write_runtime_state(const std::string& id, const RuntimeState& state) const {
  SBX_TRY(make_dirs(runtime_dir(id), 0700));
  return write_file_atomic(runtime_dir(id) / kState, runtime_state_to_json(state), 0600,
                           kRecordDurability);
}

Status Containers::write_exit(const std::string& id, const ExitRecord& record) const {
  return write_file_atomic(store_dir(id) / kExited, exit_record_to_json(record), 0600,
                           kRecordDurability);
}

Status Containers::write_config(const std::string& id, const ContainerSpec& spec,
                                const ContainerMeta& meta) const {
  SBX_TRY(make_dirs(store_dir(id), 0700));
  SBX_TRY(write_file_atomic(store_dir(id) / kMeta, container_meta_to_json(meta), 0600,
                            kRecordDurability));
  return write_file_atomic(store_dir(id) / kConfig, container_spec_to_json(spec), 0600,
                           kRecordDurability);
}

Result<std::string> Containers::claim_name(const std::string& id, const std::string& name) const {
  if (!name.empty() && !valid_container_name(name))
    return fail(Error("invalid container name \"" + name + "\"")
                    .with_hint("names match [a-zA-Z0-9][a-zA-Z0-9_.-]+"));
  SBX_TRY(make_dirs(runtime_base_ / "locks", 0700));
  auto names_lock =
      SBX_TRY(FileLock::acquire(runtime_base_ / "locks" / "names", FileLock::Mode::kExclusive));
  std::map<std::string, std::string> taken;  // name -> id
  for (const auto& other : container_dirs(store_root_ / "containers")) {
    if (other == id || SBX_TRY(abandoned(other, true))) continue;  // a killed run's name is free
    if (auto n = read_file(store_dir(other) / kName)) taken[std::string(trim(*n))] = other;
  }
  std::string chosen = name;
  if (chosen.empty()) {
    for (int attempt = 0; attempt < 50 && (chosen.empty() || taken.contains(chosen)); ++attempt)
      chosen = generate_container_name();
    for (int n = 2; taken.contains(chosen); ++n)
      chosen = generate_container_name() + std::to_string(n);
  } else if (auto it = taken.find(chosen); it != taken.end()) {
    return fail(Error("the container name \"" + chosen + "\" is already in use by container " +
                      it->second.substr(0, 12))
                    .with_hint("remove (or rename) that container, or choose another name"));
  }
  SBX_TRY(make_dirs(store_dir(id), 0700));
  SBX_TRY(write_file_atomic(store_dir(id) / kName, chosen + "\n", 0600, kRecordDurability));
  return chosen;
}

Status Containers::mark_started(const std::string& id, const std::string& started_at) const {
  SBX_TRY(write_file_atomic(store_dir(id) / kStarted, started_at + "\n", 0600, kRecordDurability));
  if (::unlink((store_dir(id) / kExited).c_str()) != 0 && errno != ENOENT)
    return fail_errno("unlink", (store_dir(id) / kExited).native());
  return {};
}

Result<std::optional<RuntimeState>> Containers::read_runtime_state(const std::string& id) const {
  auto text = read_file(runtime_dir(id) / kState);
  if (!text) {
    if (text.error().errno_value() == ENOENT) return std::optional<RuntimeState>();
    return fail(std::move(text).error());
  }
  return std::optional<RuntimeState>(SBX_TRY(runtime_state_from_json(*text)));
}

Status Containers::remove_runtime_state(const std::string& id) const {
  return remove_tree(runtime_dir(id));
}

Status Containers::remove(const std::string& id,
                          const std::function<Status(const fs::path&)>& remover) const {
  SBX_TRY(remove_runtime_state(id));
  // One rename takes the container, its id and its name from every reader; a
  // kill during the delete then leaves garbage in the trash, not a container
  // that is neither listed nor removable.
  auto moved = SBX_TRY(store::move_to_trash(store_root_, store_dir(id)));
  ::unlink((runtime_base_ / "locks" / id).c_str());
  if (moved) SBX_TRY(remover(*moved));
  return {};
}

Status Containers::remove_later(const std::string& id) const {
  SBX_TRY(remove_runtime_state(id));
  SBX_TRY(store::move_to_trash(store_root_, store_dir(id)));
  ::unlink((runtime_base_ / "locks" / id).c_str());
  return {};
}

std::vector<fs::path> Containers::trash() const { return store::trash_of(store_root_); }

// A run holds the container's lock from before it makes the dir until
// config.json is written: a dir without config.json whose lock is free was
// left by a killed run. Checked again under the lock, as the run may have
// just finished. With `trash`, moved there while the lock is held.
Result<bool> Containers::abandoned(const std::string& id, bool trash) const {
  if (path_exists(store_dir(id) / kConfig)) return false;
  SBX_TRY(make_dirs(runtime_base_ / "locks", 0700));
  auto lock =
      SBX_TRY(FileLock::try_acquire(runtime_base_ / "locks" / id, FileLock::Mode::kExclusive));
  if (!lock.holds() || path_exists(store_dir(id) / kConfig)) return false;
  if (!trash) return true;
  SBX_TRY(store::move_to_trash(store_root_, store_dir(id)));
  ::unlink((runtime_base_ / "locks" / id).c_str());
  return true;
}

Result<std::vector<std::string>> Containers::abandoned() const {
  std::vector<std::string> ids;
  for (const auto& id : container_dirs(store_root_ / "containers"))
    if (SBX_TRY(abandoned(id, false))) ids.push_back(id);
  return ids;
}

Result<size_t> Containers::collect_abandoned() const {
  size_t moved = 0;
  for (const auto& id : container_dirs(store_root_ / "containers"))
    moved += SBX_TRY(abandoned(id, true)) ? 1 : 0;
  return moved;
}

}  // namespace sbx::containers
