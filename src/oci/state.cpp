// The state dir: one dir per container, written atomically, read back with
// errors that say which container and file.
#include "sandbox/oci/state.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sandbox/containers/records.hpp"

namespace sbx::oci {
namespace {

using nlohmann::json;

Error no_such_container(const std::string& id) {
  return Error("container " + id + " does not exist", ENOENT);
}

// Root acting on another user's container (Slurm runs state, kill and
// delete as root on the job user's state dir) trusts nothing that user
// wrote: the pid must be in a user namespace that user owns, so an edited
// state.json cannot aim root's kill at a process of someone else.
bool owned_by_state_owner(const ContainerState& state) {
  if (::geteuid() != 0 || state.owner == 0) return true;
  UniqueFd ns(
      ::open(("/proc/" + std::to_string(state.pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  uid_t owner = 0;
  return ns && ::ioctl(ns.get(), NS_GET_OWNER_UID, &owner) == 0 && owner == state.owner;
}

// Alive and the same process create recorded, and not a zombie waiting for
// its parent (conmon, the shim) to reap it: that one has exited.
bool is_alive(const ContainerState& state) {
  return state.pid > 0 && state.pid_start_time != 0 &&
         containers::process_alive(state.pid, state.pid_start_time) && owned_by_state_owner(state);
}

}  // namespace

std::string_view status_name(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::kCreated:
      return "created";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::filesystem::path default_state_root() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg) return std::filesystem::path(xdg) / "sandbox-runtime";
  if (::geteuid() == 0) return "/run/sandbox-runtime";
  return "/tmp/sandbox-runtime-" + std::to_string(::geteuid());
}

Status check_container_id(const std::string& id) {
  bool ok = !id.empty() && id != "." && id != ".." && id.size() <= 1024;
  for (char c : id)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
                c == '.');
  if (!ok) return fail("invalid container id \"" + id + "\": use letters, digits and _ + - .");
  return {};
}

// A state dir another user made (a squatted /tmp name) could feed us their
// state.json and config.json, hooks included: refuse it. Root may use any
// (Slurm acts on its users' dirs; is_alive and the hooks then trust nothing).
Result<StateDir> StateDir::open(const std::filesystem::path& root) {
  SBX_TRY_CTX(make_dirs(root, 0700), "state dir");
  struct stat st;
  if (::lstat(root.c_str(), &st) < 0) return fail_errno("stat", root.string());
  uid_t self = ::geteuid();
  if (self != 0 && (!S_ISDIR(st.st_mode) || st.st_uid != self || (st.st_mode & 022)))
    return fail(Error("state dir " + root.string() +
                      " is not a private directory of yours (another user may have made it)")
                    .with_hint("remove it, or pass --root with a directory of your own"));
  return StateDir(root);
}

Status StateDir::make(const std::string& id) const {
  SBX_TRY(check_container_id(id));
  if (::mkdir(dir(id).c_str(), 0700) < 0) {
    if (errno == EEXIST) return fail("container " + id + " already exists", EEXIST);
    return fail_errno("mkdir", dir(id).string());
  }
  return {};
}

Result<FileLock> StateDir::lock(const std::string& id) const {
  SBX_TRY(check_container_id(id));
  if (!path_exists(dir(id) / "state.json")) return fail(no_such_container(id));
  return FileLock::acquire(dir(id) / "lock", FileLock::Mode::kExclusive);
}

Result<ContainerState> StateDir::read(const std::string& id) const {
  SBX_TRY(check_container_id(id));
  auto text = read_file(dir(id) / "state.json");
  if (!text && text.error().errno_value() == ENOENT) return fail(no_such_container(id));
  if (!text) return fail(text.error());
  try {
    json j = json::parse(*text);
    ContainerState s;
    s.id = j.at("id").get<std::string>();
    s.pid = j.at("pid").get<pid_t>();
    s.pid_start_time = j.at("pidStartTime").get<uint64_t>();
    s.bundle = j.at("bundle").get<std::string>();
    s.rootfs = j.at("rootfs").get<std::string>();
    s.created = j.at("created").get<std::string>();
    // The file's owner, not what the file says: the user could write that.
    struct stat st;
    if (::stat((dir(id) / "state.json").c_str(), &st) < 0)
      return fail_errno("stat", (dir(id) / "state.json").string());
    s.owner = st.st_uid;
    s.annotations = j.value("annotations", std::map<std::string, std::string>{});
    s.cgroup = j.value("cgroup", "");
    return s;
  } catch (const json::exception& e) {
    return fail("container " + id + ": unreadable state.json: " + e.what());
  }
}

Status StateDir::write(const ContainerState& s) const {
  json j = {{"id", s.id},
            {"pid", s.pid},
            {"pidStartTime", s.pid_start_time},
            {"bundle", s.bundle},
            {"rootfs", s.rootfs},
            {"created", s.created},
            {"owner", s.owner},
            {"annotations", s.annotations}};
  if (!s.cgroup.empty()) j["cgroup"] = s.cgroup;
  // A tmpfs in the usual case: nothing to make durable.
  return write_file_atomic(dir(s.id) / "state.json", j.dump(), 0600, Durability::kVolatile);
}

Status StateDir::remove(const std::string& id) const {
  SBX_TRY(check_container_id(id));
  return remove_tree(dir(id));
}

std::vector<std::string> StateDir::ids() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec))
    if (path_exists(entry.path() / "state.json")) out.push_back(entry.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

Result<Config> read_saved_config(const StateDir& dir, const std::string& id) {
  auto text = SBX_TRY(read_file(dir.config_copy(id)));
  return with_context(parse_config(text), "container " + id + ": config.json");
}

ContainerStatus status_of(const StateDir& dir, const ContainerState& state) {
  if (!is_alive(state)) return ContainerStatus::kStopped;
  return path_exists(dir.start_gate(state.id)) ? ContainerStatus::kCreated
                                               : ContainerStatus::kRunning;
}

std::string state_json(const ContainerState& s, ContainerStatus status) {
  nlohmann::ordered_json j = {{"ociVersion", "1.0.2"},
                              {"id", s.id},
                              {"status", status_name(status)},
                              {"pid", status == ContainerStatus::kStopped ? 0 : s.pid},
                              {"bundle", s.bundle}};
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  return j.dump(2);
}

std::string hook_state_prefix(const std::string& id, const std::string& bundle,
                              const std::map<std::string, std::string>& annotations) {
  nlohmann::ordered_json j = {{"ociVersion", "1.0.2"}, {"id", id}, {"bundle", bundle}};
  if (!annotations.empty()) j["annotations"] = annotations;
  std::string text = j.dump();
  text.pop_back();  // the closing brace: status and pid follow
  return text + ",\"status\":\"";
}

}  // namespace sbx::oci
