// IPv6 networks of user-defined networks: parsing, overlap, the n-th
// address, the host's IPv6 routes, and a random unique local /64 (RFC 4193).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::net {

using Ipv6Address = std::array<uint8_t, 16>;

struct Ipv6Net {
  Ipv6Address address{};  // the network's first address
  int prefix = 0;
  bool contains(const Ipv6Address& a) const;
  bool overlaps(const Ipv6Net& o) const;
  // The network's address plus `offset` (within the last 64 bits).
  Ipv6Address nth(uint64_t offset) const;
};

Result<Ipv6Address> parse_ipv6(std::string_view text);
std::string format_ipv6(const Ipv6Address& a);
// "fd00:1::/64"; host bits are cleared.
Result<Ipv6Net> parse_ipv6_net(std::string_view cidr);
std::string format_ipv6_net(const Ipv6Net& net);

// The host's IPv6 routes (/proc/net/ipv6_route) other than the default one.
std::vector<Ipv6Net> host_routes6();

// fdXX:XXXX:XXXX::/64 with 40 bits from `random` (RFC 4193's global ID).
Ipv6Net unique_local_net(uint64_t random);

}  // namespace sbx::net
