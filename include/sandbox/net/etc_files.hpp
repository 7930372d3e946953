// The network part of a container's /etc/hosts and /etc/resolv.conf. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/net/config.hpp"

namespace sbx::net {

struct HostsFileInput {
  std::string hostname;
  std::string container_ip;  // "" without a network of its own (the name maps to 127.0.1.1)
  std::string host_gateway;  // "" unless the host's loopback is reachable
  std::vector<HostEntry> extra_hosts;
};

// localhost lines, the container's name on its address, host.containers.internal, --add-host.
std::string make_hosts_file(const HostsFileInput& input);

struct ResolvConfInput {
  std::string forwarder;                 // slirp4netns's DNS (10.0.2.3); "" with the host's network
  std::vector<std::string> dns_servers;  // --dns, replaces every nameserver
  std::vector<std::string> search;       // --dns-search, replaces search/domain ("." alone: none)
  std::vector<std::string> options;      // --dns-option, replaces the options lines
};

// The IPv4 nameservers of a resolv.conf, in order.
std::vector<std::string> ipv4_nameservers(std::string_view resolv_conf);

// slirp4netns forwards queries to 10.0.2.3 to the host's first IPv4 nameserver
// from the host's network namespace, so even 127.0.0.53 (systemd-resolved)
// works through it. Without an IPv4 nameserver on the host the host's file is
// kept. search/options lines are kept unless --dns-search / --dns-option
// replace them; --dns replaces the nameservers.
std::string make_resolv_conf(std::string_view host_resolv_conf, const ResolvConfInput& input);

// `resolv_conf` with `server` as its last nameserver (unchanged when it is one
// already): a network connected to a running container brings its DNS.
std::string add_nameserver(std::string_view resolv_conf, std::string_view server);
// `resolv_conf` without the nameserver `server` (a network disconnected).
std::string remove_nameserver(std::string_view resolv_conf, std::string_view server);

}  // namespace sbx::net
