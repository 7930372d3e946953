#include "sandbox/containers/networks.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include <fcntl.h>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/net/etc_files.hpp"
#include "sandbox/net/user_netns.hpp"

namespace sbx::containers {
namespace {

using json = nlohmann::json;

json network_object(const net::NetworkConfig& n) {
  json subnets = {{{"subnet", n.subnet}, {"gateway", n.gateway}}};
  if (!n.subnet6.empty()) subnets.push_back({{"subnet", n.subnet6}, {"gateway", n.gateway6}});
  return {{"name", n.name},
          {"id", n.id},
          {"driver", "bridge"},
          {"network_interface", n.bridge},
          {"created", n.created},
          {"subnets", subnets},
          {"ipv6_enabled", !n.subnet6.empty()},
          {"internal", n.internal},
          {"dns_enabled", true},
          {"labels", n.labels}};
}

bool names_network(const ContainerInfo& info, const std::string& network) {
  if (info.spec.network != NetworkMode::kBridge) return false;
  for (const auto& n : info.spec.networks)
    if (n.network == network) return true;
  return false;
}

}  // namespace

Result<std::string> inspect_networks_json(const Containers& containers,
                                          const std::vector<net::NetworkConfig>& networks) {
  auto dir = SBX_TRY(net::user_netns_dir(containers.store_root()));
  json out = json::array();
  for (const auto& n : networks) {
    json j = network_object(n);
    j["containers"] = json::object();
    for (const auto& c : net::attached_containers(dir, n.name)) {
      j["containers"][c.id] = {{"name", c.name}, {"ip", c.ip}};
      if (!c.ip6.empty()) j["containers"][c.id]["ipv6"] = c.ip6;
    }
    out.push_back(j);
  }
  return out.dump(2) + "\n";
}

std::string networks_json(const std::vector<net::NetworkConfig>& networks) {
  json out = json::array();
  for (const auto& n : networks) out.push_back(network_object(n));
  return out.dump(2) + "\n";
}

std::string networks_table(const std::vector<net::NetworkConfig>& networks) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-14s %-20s %-8s %-18s %s\n", "NETWORK ID", "NAME", "DRIVER",
                "SUBNET", "INTERNAL");
  out += line;
  for (const auto& n : networks) {
    std::snprintf(line, sizeof line, "%-14s %-20s %-8s %-18s %s\n", n.id.substr(0, 12).c_str(),
                  n.name.c_str(), "bridge", n.subnet.c_str(), n.internal ? "true" : "false");
    out += line;
  }
  return out;
}

Result<std::vector<std::string>> containers_on_network(const Containers& containers,
                                                       const std::string& network) {
  std::vector<std::string> names;
  for (const auto& info : SBX_TRY(containers.list()))
    if (names_network(info, network)) names.push_back(info.name);
  return names;
}

Status remove_network(const Containers& containers, const std::string& name, bool force) {
  auto networks = SBX_TRY(net::Networks::open(containers.store_root()));
  auto network = SBX_TRY(networks.get(name));
  for (const auto& info : SBX_TRY(containers.list())) {
    if (!names_network(info, network.name)) continue;
    if (!force)
      return fail(Error("network " + network.name + " is in use by container " + info.name)
                      .with_hint("remove the container first (sandbox rm -f " + info.name +
                                 "), or use network rm -f to remove it with the network"));
    SBX_TRY_CTX(remove_container(containers, info.id, true), "network rm -f");
  }
  return networks.remove(network.name);
}

namespace {

// A container on networks of the user's namespace, locked. A stopped one
// only has its spec changed: its next start attaches what the spec names.
struct RunningOnNetworks {
  FileLock lock;
  ContainerInfo info;
  std::filesystem::path netns_dir;
};

Result<RunningOnNetworks> running_on_networks(const Containers& containers,
                                              const std::string& container) {
  auto id = SBX_TRY(containers.resolve(container));
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  if (info.spec.network != NetworkMode::kBridge)
    return fail(Error("container " + info.name + " does not run on a network of yours (--network " +
                      std::string(info.spec.network == NetworkMode::kHost   ? "host"
                                  : info.spec.network == NetworkMode::kNone ? "none"
                                                                            : "slirp4netns") +
                      ")")
                    .with_hint("run it with --network NAME to connect it to more networks later"));
  auto dir = SBX_TRY(net::user_netns_dir(containers.store_root()));
  return RunningOnNetworks{std::move(lock), std::move(info), std::move(dir)};
}

// A running container's resolv.conf gains (or loses) `network`'s gateway,
// where aardvark-dns answers for it. Rewritten in place: the file is
// bind-mounted into the container. --dns servers stay as they are.
Status follow_nameserver(const ContainerInfo& info, const net::NetworkConfig& network,
                         bool connected) {
  if (!info.spec.dns.empty() || info.runtime_dir.empty()) return {};
  auto path = info.runtime_dir / "etc" / "resolv.conf";
  auto text = read_file(path);
  if (!text) return {};  // a container that shares another's /etc files has none of its own
  std::string updated = connected ? net::add_nameserver(*text, network.gateway)
                                  : net::remove_nameserver(*text, network.gateway);
  if (updated == *text) return {};
  auto fd = SBX_TRY(open_file(path, O_WRONLY | O_TRUNC | O_CLOEXEC));
  return with_context(write_all(fd.get(), updated), "update " + path.string());
}

Status record_networks(const Containers& containers, const ContainerInfo& info,
                       const ContainerSpec& spec) {
  return with_context(
      containers.write_config(info.id, spec, {info.image, info.created_at, info.storage_driver}),
      "record the networks of " + info.name);
}

}  // namespace

Status connect_network(const Containers& containers, const std::string& network,
                       const std::string& container, const net::NetworkAttachRequest& request) {
  auto networks = SBX_TRY(net::Networks::open(containers.store_root()));
  auto config = SBX_TRY(networks.get(network));
  auto c = SBX_TRY(running_on_networks(containers, container));
  for (const auto& alias : request.aliases) SBX_TRY(net::check_dns_label(alias, "--alias"));
  if (!request.ip.empty() && !net::parse_ipv4(request.ip))
    return fail("--ip " + request.ip + ": not an IPv4 address");
  if (!request.ip6.empty() && !net::parse_ipv6(request.ip6))
    return fail("--ip6 " + request.ip6 + ": not an IPv6 address");
  SBX_TRY(net::check_dns_label(c.info.name, "container name"));
  for (const auto& n : c.info.spec.networks)
    if (n.network == config.name)
      return fail(
          Error("container " + c.info.name + " is already connected to network " + config.name)
              .with_hint("disconnect it first to change its address or aliases"));
  ContainerSpec spec = c.info.spec;
  spec.networks.push_back({config.name, request.aliases, request.ip, request.ip6});
  if (c.info.status == ContainerStatus::kRunning) {
    auto attached =
        SBX_TRY(net::connect_container(c.netns_dir, c.info.id, c.info.name, config, request));
    spec.networks.back().ip = attached.ip;
    spec.networks.back().ip6 = attached.ip6;
    SBX_TRY(follow_nameserver(c.info, config, true));
  }
  return record_networks(containers, c.info, spec);
}

Status disconnect_network(const Containers& containers, const std::string& network,
                          const std::string& container) {
  auto c = SBX_TRY(running_on_networks(containers, container));
  std::string name = network;
  if (auto networks = net::Networks::open(containers.store_root()))
    if (auto config = networks->get(network)) name = config->name;  // an id prefix given
  if (std::none_of(c.info.spec.networks.begin(), c.info.spec.networks.end(),
                   [&](const auto& n) { return n.network == name; }))
    return fail(Error("container " + c.info.name + " is not connected to network " + name)
                    .with_hint("sandbox inspect " + c.info.name + " shows its networks"));
  if (c.info.status == ContainerStatus::kRunning) {
    SBX_TRY(net::disconnect_container(c.netns_dir, c.info.id, c.info.name, name));
    if (auto networks = net::Networks::open(containers.store_root()))
      if (auto config = networks->get(name)) SBX_TRY(follow_nameserver(c.info, *config, false));
  }
  ContainerSpec spec = c.info.spec;
  std::erase_if(spec.networks, [&](const auto& n) { return n.network == name; });
  return record_networks(containers, c.info, spec);
}

Result<std::vector<std::string>> prune_networks(const Containers& containers) {
  auto networks = SBX_TRY(net::Networks::open(containers.store_root()));
  auto all = SBX_TRY(containers.list());
  std::vector<std::string> removed;
  for (const auto& n : SBX_TRY(networks.list())) {
    bool used = false;
    for (const auto& info : all) used |= names_network(info, n.name);
    if (used) continue;
    SBX_TRY(networks.remove(n.name));
    removed.push_back(n.name);
  }
  return removed;
}

}  // namespace sbx::containers
