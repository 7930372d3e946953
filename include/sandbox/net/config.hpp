// What a container asked of its network, as values: slirp4netns options,
// published ports, extra /etc/hosts entries, and the addresses slirp4netns
// gives a network. Parsed from the run flags by the runtime; pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::net {

inline constexpr int kDefaultMtu = 65520;  // podman's, and slirp4netns's best throughput
inline constexpr std::string_view kDefaultCidr = "10.0.2.0/24";

// --network slirp4netns[:allow_host_loopback=..,enable_ipv6=..,cidr=..,mtu=..]
struct SlirpOptions {
  bool allow_host_loopback = false;  // podman's default: the host's 127.0.0.1 stays unreachable
  bool enable_ipv6 = false;
  std::string cidr = std::string(kDefaultCidr);
  int mtu = kDefaultMtu;
  friend bool operator==(const SlirpOptions&, const SlirpOptions&) = default;
};

// One -p: [HOSTIP:]HOSTPORT:CTRPORT[/PROTO] or CTRPORT[/PROTO].
struct PortRequest {
  std::string host_ip;     // "" = all addresses (0.0.0.0)
  uint16_t host_port = 0;  // 0 = a free port chosen when the container starts
  uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp | udp
  friend bool operator==(const PortRequest&, const PortRequest&) = default;
};

// One --add-host NAME:IP.
struct HostEntry {
  std::string name;
  std::string ip;
  friend bool operator==(const HostEntry&, const HostEntry&) = default;
};

// The fixed addresses inside a slirp4netns network: the container (.100),
// the host's loopback seen as a gateway (.2) and the DNS forwarder (.3).
struct SlirpAddresses {
  std::string guest;
  std::string gateway;
  std::string dns;
  int prefix_length = 24;
};

// Validates `cidr` (IPv4, prefix 1..25 so that .100 fits) and derives the addresses.
Result<SlirpAddresses> slirp_addresses(std::string_view cidr);

// True for a numeric IPv4 or IPv6 address.
bool is_ip_address(std::string_view text);

}  // namespace sbx::net
