// Container events into the store's event log (sandbox/store/events.hpp),
// with docker's attributes (name, image). Best effort: never fails a change.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sandbox/containers/records.hpp"

namespace sbx::containers {

void record_container_event(const Containers& containers, const ContainerInfo& info,
                            std::string_view action, std::map<std::string, std::string> extra = {});
// As above, reading the container's record first (nothing when it is gone).
void record_container_event(const Containers& containers, const std::string& id,
                            std::string_view action, std::map<std::string, std::string> extra = {});

// `pause` / `unpause`: the cgroup v2 freezer of the container's own cgroup.
// A container without one (run without limits, or on a host without cgroup v2
// delegation) is refused with the reason and what would make it work.
Status pause_container(const Containers& containers, const std::string& id);
Status unpause_container(const Containers& containers, const std::string& id);
// Whether the cgroup at `container_cgroup` is frozen (cgroup.freeze is 1).
bool cgroup_frozen(const std::filesystem::path& container_cgroup);

}  // namespace sbx::containers
