// JSON forms of a container's files: config.json (the spec), state.json and
// exited.json. Readers take what they know and ignore the rest, so a newer
// sandbox's files stay readable; a missing field keeps its default.
#include <nlohmann/json.hpp>

#include "cgroup_json.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

using nlohmann::json;

template <class T>
void get_if(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

json mount_to_json(const MountRequest& m) {
  return {{"type", m.type == MountType::kBind ? "bind" : "tmpfs"},
          {"source", m.source},
          {"destination", m.destination},
          {"read_only", m.read_only},
          {"flags", m.flags},
          {"data", m.data}};
}

MountRequest mount_from_json(const json& j) {
  MountRequest m;
  std::string type = "bind";
  get_if(j, "type", type);
  m.type = type == "tmpfs" ? MountType::kTmpfs : MountType::kBind;
  get_if(j, "source", m.source);
  get_if(j, "destination", m.destination);
  get_if(j, "read_only", m.read_only);
  get_if(j, "flags", m.flags);
  get_if(j, "data", m.data);
  return m;
}

json security_to_json(const security::SecurityOptions& s) {
  return {{"cap_add", s.cap_add},
          {"cap_drop", s.cap_drop},
          {"privileged", s.privileged},
          {"seccomp", s.seccomp},
          {"no_new_privileges", s.no_new_privileges},
          {"ulimits", s.ulimits}};
}

security::SecurityOptions security_from_json(const json& j) {
  security::SecurityOptions s;
  get_if(j, "cap_add", s.cap_add);
  get_if(j, "cap_drop", s.cap_drop);
  get_if(j, "privileged", s.privileged);
  get_if(j, "seccomp", s.seccomp);
  get_if(j, "no_new_privileges", s.no_new_privileges);
  get_if(j, "ulimits", s.ulimits);
  return s;
}

// "none", "host"; other modes (the network work adds them) by number, so
// this file needs no change for a new mode to round-trip.
std::string network_name(NetworkMode mode) {
  if (mode == NetworkMode::kNone) return "none";
  if (mode == NetworkMode::kHost) return "host";
  if (mode == NetworkMode::kSlirp4netns) return "slirp4netns";
  return "mode-" + std::to_string(static_cast<int>(mode));
}

NetworkMode network_from_name(const std::string& name) {
  if (name == "host") return NetworkMode::kHost;
  if (name == "slirp4netns") return NetworkMode::kSlirp4netns;
  if (name.starts_with("mode-")) return static_cast<NetworkMode>(std::atoi(name.c_str() + 5));
  return NetworkMode::kNone;
}

// The network part of the spec (issue 5): slirp4netns options, -p, --dns, --add-host.
json network_to_json(const ContainerSpec& spec) {
  json ports = json::array();
  for (const auto& p : spec.ports)
    ports.push_back({{"host_ip", p.host_ip},
                     {"host_port", p.host_port},
                     {"container_port", p.container_port},
                     {"protocol", p.protocol}});
  json hosts = json::array();
  for (const auto& h : spec.extra_hosts) hosts.push_back({{"name", h.name}, {"ip", h.ip}});
  return {{"allow_host_loopback", spec.slirp.allow_host_loopback},
          {"enable_ipv6", spec.slirp.enable_ipv6},
          {"cidr", spec.slirp.cidr},
          {"mtu", spec.slirp.mtu},
          {"ports", ports},
          {"dns", spec.dns},
          {"extra_hosts", hosts}};
}

void network_from_json(const json& j, ContainerSpec& spec) {
  get_if(j, "allow_host_loopback", spec.slirp.allow_host_loopback);
  get_if(j, "enable_ipv6", spec.slirp.enable_ipv6);
  get_if(j, "cidr", spec.slirp.cidr);
  get_if(j, "mtu", spec.slirp.mtu);
  get_if(j, "dns", spec.dns);
  if (auto it = j.find("ports"); it != j.end() && it->is_array())
    for (const auto& p : *it) {
      net::PortRequest port;
      get_if(p, "host_ip", port.host_ip);
      get_if(p, "host_port", port.host_port);
      get_if(p, "container_port", port.container_port);
      get_if(p, "protocol", port.protocol);
      spec.ports.push_back(port);
    }
  if (auto it = j.find("extra_hosts"); it != j.end() && it->is_array())
    for (const auto& h : *it) spec.extra_hosts.push_back({h.value("name", ""), h.value("ip", "")});
}

// Parses `text` as a JSON object; `what` names the document in errors.
Result<json> parse_object(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(std::string(what) + ": not a JSON object");
  return j;
}

}  // namespace

std::string container_spec_to_json(const ContainerSpec& spec) {
  json mounts = json::array();
  for (const auto& m : spec.mounts) mounts.push_back(mount_to_json(m));
  json j = {{"argv", spec.argv},
            {"env", spec.env},
            {"cwd", spec.cwd},
            {"user", spec.user},
            {"hostname", spec.hostname},
            {"name", spec.name},
            {"mounts", mounts},
            {"read_only_rootfs", spec.read_only_rootfs},
            {"network", network_name(spec.network)},
            {"network_options", network_to_json(spec)},
            {"keep_id", spec.keep_id},
            {"security", security_to_json(spec.security)},
            {"tty", spec.tty},
            {"interactive", spec.interactive},
            {"remove", spec.remove},
            {"init", spec.init},
            {"stop_signal", spec.stop_signal},
            {"cgroup", cgroup_request_to_json(spec.cgroup)}};
  return j.dump(2) + "\n";
}

Result<ContainerSpec> container_spec_from_json(std::string_view text) {
  json j = SBX_TRY(parse_object(text, "container config"));
  ContainerSpec spec;
  try {
    get_if(j, "argv", spec.argv);
    get_if(j, "env", spec.env);
    get_if(j, "cwd", spec.cwd);
    get_if(j, "user", spec.user);
    get_if(j, "hostname", spec.hostname);
    get_if(j, "name", spec.name);
    if (auto it = j.find("mounts"); it != j.end() && it->is_array())
      for (const auto& m : *it) spec.mounts.push_back(mount_from_json(m));
    get_if(j, "read_only_rootfs", spec.read_only_rootfs);
    std::string network = "none";
    get_if(j, "network", network);
    spec.network = network_from_name(network);
    if (auto it = j.find("network_options"); it != j.end() && it->is_object())
      network_from_json(*it, spec);
    get_if(j, "keep_id", spec.keep_id);
    if (auto it = j.find("security"); it != j.end() && it->is_object())
      spec.security = security_from_json(*it);
    get_if(j, "tty", spec.tty);
    get_if(j, "interactive", spec.interactive);
    get_if(j, "remove", spec.remove);
    get_if(j, "init", spec.init);
    get_if(j, "stop_signal", spec.stop_signal);
    if (auto it = j.find("cgroup"); it != j.end()) spec.cgroup = cgroup_request_from_json(*it);
  } catch (const json::exception& e) {
    return fail(std::string("container config: ") + e.what());
  }
  return spec;
}

std::string runtime_state_to_json(const RuntimeState& s) {
  json ports = json::array();
  for (const auto& p : s.ports)
    ports.push_back({{"host_ip", p.host_ip},
                     {"host_port", p.host_port},
                     {"container_port", p.container_port},
                     {"protocol", p.protocol}});
  json j = {{"pid", s.pid},
            {"pid_start_time", s.pid_start_time},
            {"monitor_pid", s.monitor_pid},
            {"monitor_start_time", s.monitor_start_time},
            {"slirp_pid", s.slirp_pid},
            {"slirp_api_socket", s.slirp_api_socket},
            {"ports", ports},
            {"cgroup_path", s.cgroup_path},
            {"started_at", s.started_at}};
  return j.dump(2) + "\n";
}

Result<RuntimeState> runtime_state_from_json(std::string_view text) {
  json j = SBX_TRY(parse_object(text, "state.json"));
  RuntimeState s;
  try {
    get_if(j, "pid", s.pid);
    get_if(j, "pid_start_time", s.pid_start_time);
    get_if(j, "monitor_pid", s.monitor_pid);
    get_if(j, "monitor_start_time", s.monitor_start_time);
    get_if(j, "slirp_pid", s.slirp_pid);
    get_if(j, "slirp_api_socket", s.slirp_api_socket);
    if (auto it = j.find("ports"); it != j.end() && it->is_array())
      for (const auto& p : *it) {
        PortBinding b;
        get_if(p, "host_ip", b.host_ip);
        get_if(p, "host_port", b.host_port);
        get_if(p, "container_port", b.container_port);
        get_if(p, "protocol", b.protocol);
        s.ports.push_back(std::move(b));
      }
    get_if(j, "cgroup_path", s.cgroup_path);
    get_if(j, "started_at", s.started_at);
  } catch (const json::exception& e) {
    return fail(std::string("state.json: ") + e.what());
  }
  return s;
}

std::string container_meta_to_json(const ContainerMeta& m) {
  json j = {{"image", m.image}, {"created_at", m.created_at}, {"storage_driver", m.storage_driver}};
  return j.dump(2) + "\n";
}

Result<ContainerMeta> container_meta_from_json(std::string_view text) {
  json j = SBX_TRY(parse_object(text, "meta.json"));
  ContainerMeta m;
  try {
    get_if(j, "image", m.image);
    get_if(j, "created_at", m.created_at);
    get_if(j, "storage_driver", m.storage_driver);
  } catch (const json::exception& e) {
    return fail(std::string("meta.json: ") + e.what());
  }
  return m;
}

std::string exit_record_to_json(const ExitRecord& r) {
  json j = {
      {"exit_code", r.exit_code}, {"oom_killed", r.oom_killed}, {"finished_at", r.finished_at}};
  return j.dump(2) + "\n";
}

Result<ExitRecord> exit_record_from_json(std::string_view text) {
  json j = SBX_TRY(parse_object(text, "exited.json"));
  ExitRecord r;
  try {
    get_if(j, "exit_code", r.exit_code);
    get_if(j, "oom_killed", r.oom_killed);
    get_if(j, "finished_at", r.finished_at);
  } catch (const json::exception& e) {
    return fail(std::string("exited.json: ") + e.what());
  }
  return r;
}

}  // namespace sbx::containers
