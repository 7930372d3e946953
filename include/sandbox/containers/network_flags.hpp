// Parsers for the network flags of `run`: --network, -p, --dns, --add-host.
// Pure: each returns a value or an error that quotes the input.
#pragma once

#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/run_flags.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/net/config.hpp"
#include "sandbox/net/networks.hpp"

namespace sbx::containers {

struct NetworkChoice {
  NetworkMode mode = NetworkMode::kSlirp4netns;
  net::SlirpOptions slirp;
  std::vector<net::NetworkAttachRequest> networks;  // kBridge: the one named
  std::string join;                                 // kJoin: "container:NAME" or "ns:PATH"
};

// "" or "slirp4netns[:allow_host_loopback=..,enable_ipv6=..,cidr=..,mtu=..]", "none", "host",
// "container:NAME", "ns:PATH" or a network's name.
Result<NetworkChoice> parse_network(std::string_view text);
// -p [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]; "[::1]:8080:80" for IPv6.
Result<net::PortRequest> parse_publish(std::string_view text);
// --expose PORT[-PORT][/tcp|udp|sctp] (docker's; a range gives each port):
// "80/tcp" keys as in an image's ExposedPorts.
Result<std::vector<std::string>> parse_expose(std::string_view text);
// --add-host NAME:IP (or NAME=IP; IP may be "host-gateway").
Result<net::HostEntry> parse_add_host(std::string_view text);
// --dns IP.
Result<std::string> parse_dns(std::string_view text);

// Sets network, slirp, ports, dns and extra_hosts of `spec` from the flags;
// -p without a network of the container's own is an error.
Status apply_network_flags(const RunFlags& flags, ContainerSpec& spec);
// The image's ExposedPorts and --expose into `spec` (sorted, once each);
// with -P each exposed tcp or udp port not already published by -p gets a
// free host port on every address, as `-p CTRPORT` does. After
// apply_network_flags.
Status apply_exposed_ports(const ImageDefaults& image, const RunFlags& flags, ContainerSpec& spec);

}  // namespace sbx::containers
