#include "cgroup_json.hpp"

namespace sbx::containers {
namespace {

using nlohmann::json;

template <class T>
void put(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

template <class T>
void take(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && it->is_number()) out = it->get<T>();
}

}  // namespace

json cgroup_request_to_json(const cgroup::CgroupRequest& r) {
  const auto& l = r.limits;
  json limits = json::object();
  put(limits, "memory", l.memory);
  put(limits, "memory_swap", l.memory_swap);
  put(limits, "memory_reservation", l.memory_reservation);
  put(limits, "cpus", l.cpus);
  put(limits, "cpu_weight", l.cpu_weight);
  if (!l.cpuset_cpus.empty()) limits["cpuset_cpus"] = l.cpuset_cpus;
  put(limits, "pids_limit", l.pids_limit);
  put(limits, "io_weight", l.io_weight);
  return {{"limits", limits},
          {"manager", r.manager == cgroup::Manager::kCgroupfs ? "cgroupfs" : "systemd"},
          {"policy", r.policy == cgroup::Policy::kBestEffort ? "best-effort" : "strict"}};
}

cgroup::CgroupRequest cgroup_request_from_json(const json& j) {
  cgroup::CgroupRequest r;
  if (!j.is_object()) return r;
  if (auto it = j.find("limits"); it != j.end() && it->is_object()) {
    auto& l = r.limits;
    take(*it, "memory", l.memory);
    take(*it, "memory_swap", l.memory_swap);
    take(*it, "memory_reservation", l.memory_reservation);
    take(*it, "cpus", l.cpus);
    take(*it, "cpu_weight", l.cpu_weight);
    if (auto c = it->find("cpuset_cpus"); c != it->end() && c->is_string()) l.cpuset_cpus = *c;
    take(*it, "pids_limit", l.pids_limit);
    take(*it, "io_weight", l.io_weight);
  }
  if (j.value("manager", "") == "cgroupfs") r.manager = cgroup::Manager::kCgroupfs;
  if (j.value("policy", "") == "best-effort") r.policy = cgroup::Policy::kBestEffort;
  return r;
}

}  // namespace sbx::containers
