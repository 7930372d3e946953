// `inspect CONTAINER`: docker's document shape, filled from our records.
#include <nlohmann/json.hpp>

#include "sandbox/containers/records.hpp"
#include "sandbox/net/config.hpp"

namespace sbx::containers {
namespace {

using nlohmann::json;

// docker's State.Health (only for a container with a health check).
json health_json(const HealthState& health) {
  json log = json::array();
  for (const auto& p : health.log)
    log.push_back(
        {{"Start", p.start}, {"End", p.end}, {"ExitCode", p.exit_code}, {"Output", p.output}});
  return {{"Status", health.status}, {"FailingStreak", health.failing_streak}, {"Log", log}};
}

json healthcheck_json(const HealthConfig& h) {
  return {{"Test", h.test},
          {"Interval", h.interval_ns},
          {"Timeout", h.timeout_ns},
          {"StartPeriod", h.start_period_ns},
          {"Retries", h.retries}};
}

json state_json(const ContainerInfo& info) {
  bool running = info.status == ContainerStatus::kRunning;
  std::string status(to_string(info.status));
  if (info.status == ContainerStatus::kUnknown) status = "exited";  // end not recorded
  if (info.restarting) status = "restarting";
  if (info.paused) status = "paused";
  return {{"Status", status},
          {"Running", running},
          {"Paused", info.paused},
          {"Restarting", info.restarting},
          {"OOMKilled", info.exit ? info.exit->oom_killed : false},
          {"Dead", false},
          {"Pid", running ? info.runtime->pid : 0},
          {"ExitCode", info.exit ? info.exit->exit_code : (running ? 0 : -1)},
          {"Error", info.status == ContainerStatus::kUnknown ? "exit not recorded" : ""},
          {"StartedAt", info.started_at.empty() ? "0001-01-01T00:00:00Z" : info.started_at},
          {"FinishedAt", info.exit ? info.exit->finished_at : "0001-01-01T00:00:00Z"}};
}

json mounts_json(const ContainerSpec& spec) {
  json mounts = json::array();
  for (const auto& m : spec.mounts)
    mounts.push_back({{"Type", mount_type_name(m.type)},
                      {"Source", m.source},
                      {"Destination", m.destination},
                      {"Mode", m.data},
                      {"RW", !m.read_only}});
  return mounts;
}

json ports_json(const ContainerInfo& info) {
  json ports = json::object();
  if (!info.runtime) return ports;
  for (const auto& p : info.runtime->ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    if (!ports.contains(key)) ports[key] = json::array();
    ports[key].push_back({{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host_port)}});
  }
  return ports;
}

// The k8s-file log's path; "" for the drivers that keep none.
std::string log_path_json(const ContainerInfo& info) {
  return keeps_log(info.spec) ? container_log_file(info.spec, info.store_dir).string() : "";
}

// docker's {"80/tcp": {}} of the image's EXPOSE and --expose.
json exposed_ports_json(const ContainerSpec& s) {
  json ports = json::object();
  for (const auto& key : s.exposed_ports) ports[key] = json::object();
  return ports;
}

json config_json(const ContainerInfo& info) {
  const ContainerSpec& s = info.spec;
  return {{"Hostname", s.hostname},
          {"User", s.user},
          {"Env", s.env},
          {"Cmd", s.argv},
          {"Image", info.image},
          {"WorkingDir", s.cwd},
          {"Tty", s.tty},
          {"OpenStdin", s.interactive},
          {"StopSignal", s.stop_signal},
          {"StopTimeout", s.stop_timeout < 0 ? 10 : s.stop_timeout},
          {"Labels", s.labels},
          {"Timezone", s.timezone},  // podman's
          {"ExposedPorts", exposed_ports_json(s)}};
}

std::string network_mode(const ContainerSpec& s) {
  switch (s.network) {
    case NetworkMode::kHost:
      return "host";
    case NetworkMode::kSlirp4netns:
      return "slirp4netns";  // podman's name for the default rootless network
    case NetworkMode::kJoin:
      return s.network_join;
    case NetworkMode::kBridge:
      return s.networks.empty() ? "bridge" : s.networks.front().network;
    default:
      return "none";
  }
}

// docker's "HOST:CONTAINER[:ro]" of each bind mount.
json binds_json(const ContainerSpec& s) {
  json binds = json::array();
  for (const auto& m : s.mounts)
    if (m.type == MountType::kBind)
      binds.push_back(m.source + ":" + m.destination + (m.read_only ? ":ro" : ""));
  return binds;
}

// -p as asked for (HostPort "" when a free one is chosen at start).
json port_bindings_json(const ContainerSpec& s) {
  json ports = json::object();
  for (const auto& p : s.ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    if (!ports.contains(key)) ports[key] = json::array();
    ports[key].push_back(
        {{"HostIp", p.host_ip}, {"HostPort", p.host_port ? std::to_string(p.host_port) : ""}});
  }
  return ports;
}

// docker's HostConfig.Devices.
json devices_json(const ContainerSpec& s) {
  json devices = json::array();
  for (const auto& d : s.devices)
    devices.push_back({{"PathOnHost", d.host},
                       {"PathInContainer", d.container},
                       {"CgroupPermissions", d.permissions}});
  return devices;
}

json host_config_json(const ContainerInfo& info) {
  const ContainerSpec& s = info.spec;
  const auto& limits = s.cgroup.limits;
  return {
      {"AutoRemove", s.remove},
      {"Privileged", s.security.privileged},
      {"ReadonlyRootfs", s.read_only_rootfs},
      {"CapAdd", s.security.cap_add},
      {"CapDrop", s.security.cap_drop},
      {"NetworkMode", network_mode(s)},
      {"PidMode", s.pid_mode},
      {"IpcMode", s.ipc_mode.empty() ? "shareable" : s.ipc_mode},
      {"Binds", binds_json(s)},
      {"PortBindings", port_bindings_json(s)},
      {"PublishAllPorts", s.publish_all},
      {"LogConfig", {{"Type", log_driver_name(s)}, {"Path", log_path_json(info)}}},
      {"RestartPolicy", {{"Name", s.restart.name}, {"MaximumRetryCount", s.restart.max_retries}}},
      {"Memory", limits.memory.value_or(0)},
      {"MemorySwap", limits.memory_swap.value_or(0)},
      {"NanoCpus", static_cast<int64_t>(limits.cpus.value_or(0) * 1e9)},
      {"Ulimits", s.security.ulimits},
      {"ShmSize", s.shm_size ? s.shm_size : kDefaultShmSize},
      {"Sysctls", s.sysctls},
      {"GroupAdd", s.group_add},
      {"Devices", devices_json(s)}};
}

// slirp4netns gives the container .100 of its --cidr (10.0.2.100 by default).
json network_settings_json(const ContainerInfo& info) {
  std::string address;
  if (info.spec.network == NetworkMode::kSlirp4netns && info.status == ContainerStatus::kRunning)
    if (auto addresses = net::slirp_addresses(info.spec.slirp.cidr)) address = addresses->guest;
  json settings = {{"Ports", ports_json(info)}, {"IPAddress", address}};
  if (info.spec.network != NetworkMode::kBridge) return settings;
  // docker's Networks.NAME.IPAMConfig: the addresses asked for (--ip, --ip6);
  // `network inspect` shows those given.
  json networks = json::object();
  for (const auto& n : info.spec.networks)
    networks[n.network] = {{"Aliases", n.aliases},
                           {"IPAMConfig", {{"IPv4Address", n.ip}, {"IPv6Address", n.ip6}}}};
  settings["Networks"] = std::move(networks);
  return settings;
}

}  // namespace

std::string container_info_to_json(const ContainerInfo& info) {
  const ContainerSpec& s = info.spec;
  json j = {{"Id", info.id},
            {"Created", info.created_at},
            {"Path", s.argv.empty() ? "" : s.argv[0]},
            {"Args", s.argv.size() > 1 ? std::vector<std::string>(s.argv.begin() + 1, s.argv.end())
                                       : std::vector<std::string>()},
            {"State", state_json(info)},
            {"Image", info.image_id},
            {"Name", "/" + info.name},
            {"RestartCount", info.restart.count},
            {"LogPath", log_path_json(info)},
            {"Driver", info.storage_driver.empty() ? "overlay" : info.storage_driver},
            {"Mounts", mounts_json(s)},
            {"Config", config_json(info)},
            {"HostConfig", host_config_json(info)},
            {"NetworkSettings", network_settings_json(info)},
            {"GraphDriver",
             {{"Data",
               {{"UpperDir", (info.store_dir / "upper").string()},
                {"WorkDir", (info.store_dir / "work").string()},
                {"MergedDir", (info.runtime_dir / "merged").string()}}}}}};
  if (has_healthcheck(s.health) && (info.status == ContainerStatus::kRunning || info.health))
    j["State"]["Health"] = health_json(info.health.value_or(HealthState{}));
  if (!s.health.test.empty()) j["Config"]["Healthcheck"] = healthcheck_json(s.health);
  if (info.runtime) {
    j["State"]["MonitorPid"] = info.runtime->monitor_pid;
    if (!info.runtime->cgroup_path.empty()) j["State"]["CgroupPath"] = info.runtime->cgroup_path;
  }
  return j.dump(4);
}

}  // namespace sbx::containers
