// JSON forms of a container's files: config.json (the spec), state.json,
// meta.json and exited.json. Each struct's fields are listed once, in a table
// that both directions read. Readers take what they know and ignore the rest,
// so a newer sandbox's files stay readable; a missing or null field keeps its
// default, a field of the wrong type is an error.
#include <nlohmann/json.hpp>
#include <tuple>

#include "cgroup_json.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

using nlohmann::json;

// One entry of a field table: the JSON key and the member it holds.
template <class T, class M>
struct Field {
  const char* key;
  M T::*member;
};

template <class... F>
constexpr auto fields(F... table) {
  return std::tuple<F...>(table...);
}

template <class T>
void get_if(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <class T, class Table>
json write_object(const T& value, const Table& table) {
  json j = json::object();
  std::apply([&](const auto&... f) { ((j[f.key] = value.*(f.member)), ...); }, table);
  return j;
}

// Not an object: every field keeps its default.
template <class T, class Table>
void read_object(const json& j, T& value, const Table& table) {
  std::apply([&](const auto&... f) { (get_if(j, f.key, value.*(f.member)), ...); }, table);
}

template <class T, class Table>
json write_list(const std::vector<T>& values, const Table& table) {
  json list = json::array();
  for (const T& value : values) list.push_back(write_object(value, table));
  return list;
}

// Not a list: nothing is added.
template <class T, class Table>
void read_list(const json& j, const char* key, std::vector<T>& out, const Table& table) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return;
  for (const json& item : *it) read_object(item, out.emplace_back(), table);
}

// A published port, as requested (-p) or as bound (state.json): same fields.
template <class Port>
constexpr auto port_fields() {
  return fields(Field<Port, std::string>{"host_ip", &Port::host_ip},
                Field<Port, uint16_t>{"host_port", &Port::host_port},
                Field<Port, uint16_t>{"container_port", &Port::container_port},
                Field<Port, std::string>{"protocol", &Port::protocol});
}

constexpr auto kHostFields =
    fields(Field<net::HostEntry, std::string>{"name", &net::HostEntry::name},
           Field<net::HostEntry, std::string>{"ip", &net::HostEntry::ip});

using Slirp = net::SlirpOptions;
constexpr auto kSlirpFields =
    fields(Field<Slirp, bool>{"allow_host_loopback", &Slirp::allow_host_loopback},
           Field<Slirp, bool>{"enable_ipv6", &Slirp::enable_ipv6},
           Field<Slirp, std::string>{"cidr", &Slirp::cidr}, Field<Slirp, int>{"mtu", &Slirp::mtu});

// "type" is written apart: "bind" or "tmpfs".
constexpr auto kMountFields =
    fields(Field<MountRequest, std::string>{"source", &MountRequest::source},
           Field<MountRequest, std::string>{"destination", &MountRequest::destination},
           Field<MountRequest, bool>{"read_only", &MountRequest::read_only},
           Field<MountRequest, unsigned long>{"flags", &MountRequest::flags},
           Field<MountRequest, std::string>{"data", &MountRequest::data});

using Security = security::SecurityOptions;
using Strings = std::vector<std::string>;
constexpr auto kSecurityFields =
    fields(Field<Security, Strings>{"cap_add", &Security::cap_add},
           Field<Security, Strings>{"cap_drop", &Security::cap_drop},
           Field<Security, bool>{"privileged", &Security::privileged},
           Field<Security, std::string>{"seccomp", &Security::seccomp},
           Field<Security, bool>{"no_new_privileges", &Security::no_new_privileges},
           Field<Security, Strings>{"ulimits", &Security::ulimits});

constexpr auto kDeviceFields =
    fields(Field<DeviceRequest, std::string>{"host", &DeviceRequest::host},
           Field<DeviceRequest, std::string>{"container", &DeviceRequest::container},
           Field<DeviceRequest, std::string>{"permissions", &DeviceRequest::permissions});

// The spec's plain fields; mounts, network, network_options, security and
// cgroup are written apart.
using Spec = ContainerSpec;
constexpr auto kSpecFields = fields(
    Field<Spec, Strings>{"argv", &Spec::argv}, Field<Spec, Strings>{"env", &Spec::env},
    Field<Spec, std::string>{"cwd", &Spec::cwd}, Field<Spec, std::string>{"user", &Spec::user},
    Field<Spec, std::string>{"hostname", &Spec::hostname},
    Field<Spec, std::string>{"name", &Spec::name},
    Field<Spec, bool>{"read_only_rootfs", &Spec::read_only_rootfs},
    Field<Spec, bool>{"keep_id", &Spec::keep_id}, Field<Spec, bool>{"tty", &Spec::tty},
    Field<Spec, bool>{"interactive", &Spec::interactive},
    Field<Spec, bool>{"remove", &Spec::remove}, Field<Spec, bool>{"init", &Spec::init},
    Field<Spec, std::string>{"stop_signal", &Spec::stop_signal});

// Newer fields, written only when set: a container made before them writes
// back the same bytes (and an older sandbox reads what it knows).
void optional_fields_to_json(const Spec& spec, json& j) {
  if (spec.stop_timeout >= 0) j["stop_timeout"] = spec.stop_timeout;
  if (!spec.labels.empty()) j["labels"] = spec.labels;
  if (spec.shm_size) j["shm_size"] = spec.shm_size;
  if (!spec.sysctls.empty()) j["sysctls"] = spec.sysctls;
  if (!spec.exposed_ports.empty()) j["exposed_ports"] = spec.exposed_ports;
  if (spec.publish_all) j["publish_all"] = true;
  if (!spec.log_driver.empty()) j["log_driver"] = spec.log_driver;
  if (!spec.log_path.empty()) j["log_path"] = spec.log_path;
  if (!spec.pid_mode.empty()) j["pid_mode"] = spec.pid_mode;
  if (!spec.ipc_mode.empty()) j["ipc_mode"] = spec.ipc_mode;
  if (spec.restart.restarts())
    j["restart"] = {{"name", spec.restart.name}, {"max_retries", spec.restart.max_retries}};
  if (!spec.health.test.empty())
    j["health"] = {{"test", spec.health.test},
                   {"interval_ns", spec.health.interval_ns},
                   {"timeout_ns", spec.health.timeout_ns},
                   {"start_period_ns", spec.health.start_period_ns},
                   {"retries", spec.health.retries}};
  if (!spec.group_add.empty()) j["group_add"] = spec.group_add;
  if (!spec.devices.empty()) j["devices"] = write_list(spec.devices, kDeviceFields);
  if (!spec.timezone.empty()) j["timezone"] = spec.timezone;
}

void optional_fields_from_json(const json& j, Spec& spec) {
  get_if(j, "stop_timeout", spec.stop_timeout);
  get_if(j, "labels", spec.labels);
  get_if(j, "shm_size", spec.shm_size);
  get_if(j, "sysctls", spec.sysctls);
  get_if(j, "exposed_ports", spec.exposed_ports);
  get_if(j, "publish_all", spec.publish_all);
  get_if(j, "log_driver", spec.log_driver);
  get_if(j, "log_path", spec.log_path);
  get_if(j, "pid_mode", spec.pid_mode);
  get_if(j, "ipc_mode", spec.ipc_mode);
  if (auto it = j.find("restart"); it != j.end() && it->is_object()) {
    get_if(*it, "name", spec.restart.name);
    get_if(*it, "max_retries", spec.restart.max_retries);
  }
  if (auto it = j.find("health"); it != j.end() && it->is_object()) {
    get_if(*it, "test", spec.health.test);
    get_if(*it, "interval_ns", spec.health.interval_ns);
    get_if(*it, "timeout_ns", spec.health.timeout_ns);
    get_if(*it, "start_period_ns", spec.health.start_period_ns);
    get_if(*it, "retries", spec.health.retries);
  }
  get_if(j, "group_add", spec.group_add);
  read_list(j, "devices", spec.devices, kDeviceFields);
  get_if(j, "timezone", spec.timezone);
}

// "ports" is written apart.
constexpr auto kStateFields =
    fields(Field<RuntimeState, pid_t>{"pid", &RuntimeState::pid},
           Field<RuntimeState, uint64_t>{"pid_start_time", &RuntimeState::pid_start_time},
           Field<RuntimeState, pid_t>{"monitor_pid", &RuntimeState::monitor_pid},
           Field<RuntimeState, uint64_t>{"monitor_start_time", &RuntimeState::monitor_start_time},
           Field<RuntimeState, pid_t>{"slirp_pid", &RuntimeState::slirp_pid},
           Field<RuntimeState, std::string>{"slirp_api_socket", &RuntimeState::slirp_api_socket},
           Field<RuntimeState, std::string>{"cgroup_path", &RuntimeState::cgroup_path},
           Field<RuntimeState, std::string>{"started_at", &RuntimeState::started_at});

constexpr auto kMetaFields =
    fields(Field<ContainerMeta, std::string>{"image", &ContainerMeta::image},
           Field<ContainerMeta, std::string>{"created_at", &ContainerMeta::created_at},
           Field<ContainerMeta, std::string>{"storage_driver", &ContainerMeta::storage_driver});

constexpr auto kExitFields =
    fields(Field<ExitRecord, int>{"exit_code", &ExitRecord::exit_code},
           Field<ExitRecord, bool>{"oom_killed", &ExitRecord::oom_killed},
           Field<ExitRecord, std::string>{"finished_at", &ExitRecord::finished_at});

// "none", "host"; other modes (the network work adds them) by number, so
// this file needs no change for a new mode to round-trip.
std::string network_name(NetworkMode mode) {
  if (mode == NetworkMode::kNone) return "none";
  if (mode == NetworkMode::kHost) return "host";
  if (mode == NetworkMode::kSlirp4netns) return "slirp4netns";
  if (mode == NetworkMode::kBridge) return "bridge";
  if (mode == NetworkMode::kJoin) return "join";
  return "mode-" + std::to_string(static_cast<int>(mode));
}

NetworkMode network_from_name(const std::string& name) {
  if (name == "host") return NetworkMode::kHost;
  if (name == "slirp4netns") return NetworkMode::kSlirp4netns;
  if (name == "bridge") return NetworkMode::kBridge;
  if (name == "join") return NetworkMode::kJoin;
  if (name.starts_with("mode-")) return static_cast<NetworkMode>(std::atoi(name.c_str() + 5));
  return NetworkMode::kNone;
}

// The mount table and its type: "bind", "tmpfs" or "volume".
json mounts_to_json(const std::vector<MountRequest>& mounts) {
  json list = write_list(mounts, kMountFields);
  for (size_t i = 0; i < mounts.size(); ++i) {
    list[i]["type"] = mount_type_name(mounts[i].type);
    // Written only when set: older records read (and write back) the same bytes.
    if (mounts[i].no_copy) list[i]["no_copy"] = true;
    if (mounts[i].chown) list[i]["chown"] = true;
    if (mounts[i].overlay) list[i]["overlay"] = true;
  }
  return list;
}

void mounts_from_json(const json& j, std::vector<MountRequest>& mounts) {
  auto list = j.find("mounts");
  if (list == j.end() || !list->is_array()) return;
  for (const json& item : *list) {
    MountRequest& mount = mounts.emplace_back();
    read_object(item, mount, kMountFields);
    std::string type = "bind";
    get_if(item, "type", type);
    get_if(item, "no_copy", mount.no_copy);
    get_if(item, "chown", mount.chown);
    get_if(item, "overlay", mount.overlay);
    mount.type = type == "tmpfs"    ? MountType::kTmpfs
                 : type == "volume" ? MountType::kVolume
                                    : MountType::kBind;
  }
}

// The network part of the spec: slirp4netns options, -p, --dns, --add-host.
json network_to_json(const ContainerSpec& spec) {
  json j = write_object(spec.slirp, kSlirpFields);
  j["ports"] = write_list(spec.ports, port_fields<net::PortRequest>());
  j["dns"] = spec.dns;
  if (!spec.dns_search.empty()) j["dns_search"] = spec.dns_search;     // only when set, as
  if (!spec.dns_options.empty()) j["dns_options"] = spec.dns_options;  // optional_fields_to_json
  j["extra_hosts"] = write_list(spec.extra_hosts, kHostFields);
  json networks = json::array();
  for (const auto& n : spec.networks) {
    networks.push_back({{"name", n.network}, {"aliases", n.aliases}, {"ip", n.ip}});
    if (!n.ip6.empty()) networks.back()["ip6"] = n.ip6;  // older records have none
  }
  // Only when there are some: records of older versions round-trip byte for byte.
  if (!networks.empty()) j["networks"] = networks;
  if (!spec.network_join.empty()) j["join"] = spec.network_join;
  return j;
}

void network_from_json(const json& j, ContainerSpec& spec) {
  read_object(j, spec.slirp, kSlirpFields);
  read_list(j, "ports", spec.ports, port_fields<net::PortRequest>());
  get_if(j, "dns", spec.dns);
  get_if(j, "dns_search", spec.dns_search);
  get_if(j, "dns_options", spec.dns_options);
  read_list(j, "extra_hosts", spec.extra_hosts, kHostFields);
  if (auto it = j.find("networks"); it != j.end() && it->is_array())
    for (const json& n : *it)
      spec.networks.push_back({n.value("name", ""), n.value("aliases", std::vector<std::string>{}),
                               n.value("ip", ""), n.value("ip6", "")});
  get_if(j, "join", spec.network_join);
}

// Every file is written the same way: two-space indents, keys sorted, a
// final newline.
std::string document(const json& j) { return j.dump(2) + "\n"; }

// Parses `text` as a JSON object and fills a T from it; `what` names the
// document in errors.
template <class T, class Fill>
Result<T> read_document(std::string_view text, const char* what, Fill fill) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(std::string(what) + ": not a JSON object");
  T value;
  try {
    fill(j, value);
  } catch (const json::exception& e) {
    return fail(std::string(what) + ": " + e.what());
  }
  return value;
}

}  // namespace

std::string container_spec_to_json(const ContainerSpec& spec) {
  json j = write_object(spec, kSpecFields);
  optional_fields_to_json(spec, j);
  j["mounts"] = mounts_to_json(spec.mounts);
  j["network"] = network_name(spec.network);
  j["network_options"] = network_to_json(spec);
  j["security"] = write_object(spec.security, kSecurityFields);
  j["cgroup"] = cgroup_request_to_json(spec.cgroup);
  return document(j);
}

Result<ContainerSpec> container_spec_from_json(std::string_view text) {
  return read_document<ContainerSpec>(text, "container config", [](const json& j, Spec& spec) {
    read_object(j, spec, kSpecFields);
    optional_fields_from_json(j, spec);
    mounts_from_json(j, spec.mounts);
    std::string network = "none";
    get_if(j, "network", network);
    spec.network = network_from_name(network);
    if (auto it = j.find("network_options"); it != j.end()) network_from_json(*it, spec);
    if (auto it = j.find("security"); it != j.end())
      read_object(*it, spec.security, kSecurityFields);
    if (auto it = j.find("cgroup"); it != j.end()) spec.cgroup = cgroup_request_from_json(*it);
  });
}

std::string runtime_state_to_json(const RuntimeState& state) {
  json j = write_object(state, kStateFields);
  j["ports"] = write_list(state.ports, port_fields<PortBinding>());
  return document(j);
}

Result<RuntimeState> runtime_state_from_json(std::string_view text) {
  return read_document<RuntimeState>(text, "state.json", [](const json& j, RuntimeState& state) {
    read_object(j, state, kStateFields);
    read_list(j, "ports", state.ports, port_fields<PortBinding>());
  });
}

std::string container_meta_to_json(const ContainerMeta& meta) {
  json j = write_object(meta, kMetaFields);
  if (!meta.run_image_args.empty()) {  // only when known: older records keep their bytes
    j["run_flags"] = meta.run_flags;
    j["run_image_args"] = meta.run_image_args;
  }
  return document(j);
}

Result<ContainerMeta> container_meta_from_json(std::string_view text) {
  return read_document<ContainerMeta>(text, "meta.json", [](const json& j, ContainerMeta& meta) {
    read_object(j, meta, kMetaFields);
    get_if(j, "run_flags", meta.run_flags);
    get_if(j, "run_image_args", meta.run_image_args);
  });
}

std::string exit_record_to_json(const ExitRecord& record) {
  return document(write_object(record, kExitFields));
}

Result<ExitRecord> exit_record_from_json(std::string_view text) {
  return read_document<ExitRecord>(text, "exited.json", [](const json& j, ExitRecord& record) {
    read_object(j, record, kExitFields);
  });
}

}  // namespace sbx::containers
