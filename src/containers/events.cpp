// Container events, and pause/unpause (whose events they are).
#include "sandbox/containers/events.hpp"

#include <fcntl.h>

#include <chrono>
#include <thread>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/store/events.hpp"

namespace sbx::containers {

void record_container_event(const Containers& containers, const ContainerInfo& info,
                            std::string_view action, std::map<std::string, std::string> extra) {
  store::Event event;
  event.type = "container";
  event.action = std::string(action);
  event.id = info.id;
  event.attributes = std::move(extra);
  event.attributes["name"] = info.name;
  event.attributes["image"] = info.image;
  (void)store::record_event(containers.store_root(), std::move(event));
}

void record_container_event(const Containers& containers, const std::string& id,
                            std::string_view action, std::map<std::string, std::string> extra) {
  if (auto info = containers.info(id))
    record_container_event(containers, *info, action, std::move(extra));
}

bool cgroup_frozen(const std::filesystem::path& container_cgroup) {
  if (container_cgroup.empty()) return false;
  auto text = read_file(container_cgroup / "cgroup.freeze");
  return text && trim(*text) == "1";
}

namespace {

using namespace std::chrono_literals;

// The container's cgroup, or the refusal saying why there is none.
Result<std::filesystem::path> freezer_of(const ContainerInfo& info, std::string_view verb) {
  if (info.status != ContainerStatus::kRunning || !info.runtime)
    return fail(
        Error("cannot " + std::string(verb) + " container " + info.name + ": it is not running")
            .with_hint("start it first: sandbox start " + info.name));
  std::filesystem::path cgroup = info.runtime->cgroup_path;
  if (cgroup.empty() || !path_exists(cgroup / "cgroup.freeze"))
    return fail(Error("cannot " + std::string(verb) + " container " + info.name +
                          ": it has no cgroup v2 cgroup of its own, and the freezer works on one "
                          "(sandbox places a container in a cgroup only when it has limits, on a "
                          "host with cgroup v2 delegated to the user)",
                      EOPNOTSUPP)
                    .with_hint("run it with a limit (e.g. --pids-limit 4096) on a cgroup v2 host "
                               "with a systemd user session or a delegated cgroup subtree; "
                               "`sandbox system check` says what this host lacks"));
  return cgroup;
}

// Writes cgroup.freeze and waits (bounded) until cgroup.events says it took.
Status set_frozen(const std::filesystem::path& cgroup, bool frozen, const std::string& name) {
  UniqueFd fd = SBX_TRY(open_file(cgroup / "cgroup.freeze", O_WRONLY | O_CLOEXEC));
  SBX_TRY_CTX(write_all(fd.get(), frozen ? "1" : "0"), "container " + name);
  std::string want = frozen ? "frozen 1" : "frozen 0";
  for (int i = 0; i < 500; ++i) {
    auto events = read_file(cgroup / "cgroup.events");
    if (!events || events->find(want) != std::string::npos) return {};
    std::this_thread::sleep_for(10ms);
  }
  return fail("container " + name + ": the freezer did not report \"" + want + "\"");
}

}  // namespace

Status pause_container(const Containers& containers, const std::string& id) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  auto cgroup = SBX_TRY(freezer_of(info, "pause"));
  if (info.paused) return fail("container " + info.name + " is already paused");
  SBX_TRY(set_frozen(cgroup, true, info.name));
  record_container_event(containers, info, "pause");
  return {};
}

Status unpause_container(const Containers& containers, const std::string& id) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  auto cgroup = SBX_TRY(freezer_of(info, "unpause"));
  if (!info.paused) return fail("container " + info.name + " is not paused");
  SBX_TRY(set_frozen(cgroup, false, info.name));
  record_container_event(containers, info, "unpause");
  return {};
}

}  // namespace sbx::containers
