// User-defined networks (`sandbox network create`): their records in the
// store, the checks a new one must pass, and the pure pieces netavark needs
// (its network and setup JSON, address choice). The bridges themselves live in
// the per-user network namespace (sandbox/net/user_netns.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/net/config.hpp"
#include "sandbox/net/ipv6_net.hpp"

namespace sbx::net {

struct NetworkConfig {
  std::string name;
  std::string id;      // 64 hex digits
  std::string bridge;  // sbxN in the user's network namespace
  std::string subnet;  // IPv4 CIDR, e.g. 10.89.0.0/24
  std::string gateway;
  std::string subnet6;  // IPv6 CIDR of a dual-stack network (--ipv6), else ""
  std::string gateway6;
  bool internal = false;
  std::map<std::string, std::string> labels;
  std::string created;  // RFC 3339
  friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

struct NetworkCreateOptions {
  std::string name;
  // At most one IPv4 and one IPv6 CIDR. No IPv4 one: the first free
  // 10.89.N.0/24; --ipv6 and no IPv6 one: a random unique local fdXX:..::/64.
  std::vector<std::string> subnets;
  std::vector<std::string> gateways;  // each its subnet's (by family); none: its first address
  bool internal = false;
  bool ipv6 = false;                // implied by an IPv6 subnet
  std::vector<std::string> labels;  // K=V
};

// One IPv4 network: address and prefix, host byte order.
struct Ipv4Net {
  uint32_t address = 0;  // the network's first address
  int prefix = 0;
  uint32_t mask() const { return prefix == 0 ? 0 : ~((1U << (32 - prefix)) - 1); }
  bool contains(uint32_t a) const { return (a & mask()) == address; }
  bool overlaps(const Ipv4Net& o) const;
};
Result<Ipv4Net> parse_ipv4_net(std::string_view cidr);
Result<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t host_order);
std::string format_ipv4_net(const Ipv4Net& net);

// podman's rule for network names, and a DNS label's for container names on one.
Status check_network_name(std::string_view name);
Status check_dns_label(std::string_view name, std::string_view what);

// The host's IPv4 routes (/proc/net/route), which a new subnet must not overlap.
std::vector<Ipv4Net> host_routes();

// The host's routes a new network's subnets must not overlap.
struct HostRoutes {
  std::vector<Ipv4Net> v4;
  std::vector<Ipv6Net> v6;
};

// Fills subnets, gateways and bridge of a new network: checks the given
// subnets against `existing` and `routes`, or picks the first free
// 10.89.N.0/24 and (--ipv6) a unique local /64 from `random`. Pure.
Result<NetworkConfig> plan_network(const NetworkCreateOptions& options,
                                   const std::vector<NetworkConfig>& existing,
                                   const HostRoutes& routes, uint64_t random = 0);

// The networks of one store (<root>/networks/<name>.json).
class Networks {
 public:
  static Result<Networks> open(const std::filesystem::path& store_root);
  Result<NetworkConfig> create(const NetworkCreateOptions& options) const;
  Result<std::vector<NetworkConfig>> list() const;
  Result<NetworkConfig> get(std::string_view name) const;  // by name or id prefix
  Status remove(std::string_view name) const;

 private:
  explicit Networks(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

std::string network_config_to_json(const NetworkConfig& network);
Result<NetworkConfig> network_config_from_json(std::string_view text);

// What one container asks of one network.
struct NetworkAttachRequest {
  std::string network;
  std::vector<std::string> aliases;
  std::string ip;   // "" = the next free address
  std::string ip6;  // on a dual-stack network; "" = the next free address
  friend bool operator==(const NetworkAttachRequest&, const NetworkAttachRequest&) = default;
};

// One attachment as set up: the network and the address it got.
struct NetworkAttachment {
  NetworkConfig network;
  std::vector<std::string> aliases;
  std::string ip;
  std::string ip6;        // on a dual-stack network, else ""
  std::string interface;  // eth0, eth1, ...
};

// The JSON netavark reads on stdin for `setup` and `teardown`.
std::string netavark_options_json(std::string_view container_id, std::string_view container_name,
                                  const std::vector<NetworkAttachment>& attachments,
                                  const std::vector<PortRequest>& ports);

}  // namespace sbx::net
