#include "sandbox/net/ipv6_net.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::net {
namespace {

// Whether the first `prefix` bits of `a` and `b` are equal.
bool same_prefix(const Ipv6Address& a, const Ipv6Address& b, int prefix) {
  for (int bit = 0; bit < prefix; bit += 8) {
    int bits = std::min(8, prefix - bit);
    auto mask = static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
  }
  return true;
}

Ipv6Address masked(Ipv6Address a, int prefix) {
  for (int i = 0; i < 16; ++i) {
    int bits = std::clamp(prefix - 8 * i, 0, 8);
    a[i] &= static_cast<uint8_t>(0xff << (8 - bits));
  }
  return a;
}

}  // namespace

bool Ipv6Net::contains(const Ipv6Address& a) const { return same_prefix(address, a, prefix); }

bool Ipv6Net::overlaps(const Ipv6Net& o) const {
  return same_prefix(address, o.address, std::min(prefix, o.prefix));
}

Ipv6Address Ipv6Net::nth(uint64_t offset) const {
  Ipv6Address a = address;
  for (int i = 15; i >= 8 && offset; --i) {
    uint64_t sum = a[i] + (offset & 0xff);
    a[i] = static_cast<uint8_t>(sum);
    offset = (offset >> 8) + (sum >> 8);
  }
  return a;
}

Result<Ipv6Address> parse_ipv6(std::string_view text) {
  Ipv6Address a;
  if (inet_pton(AF_INET6, std::string(text).c_str(), a.data()) != 1)
    return fail("'" + std::string(text) + "' is not an IPv6 address");
  return a;
}

std::string format_ipv6(const Ipv6Address& a) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
}

Result<Ipv6Net> parse_ipv6_net(std::string_view cidr) {
  auto bad = [&](std::string_view why) {
    return fail(Error("'" + std::string(cidr) + "': " + std::string(why))
                    .with_hint("give an IPv6 network such as fd00:1::/64"));
  };
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad("expected ADDRESS/PREFIX");
  auto address = parse_ipv6(cidr.substr(0, slash));
  if (!address) return bad("not an IPv6 address");
  int prefix = -1;
  auto rest = cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
  if (ec != std::errc() || end != rest.data() + rest.size() || prefix < 1 || prefix > 128)
    return bad("the prefix must be a number from 1 to 128");
  return Ipv6Net{masked(*address, prefix), prefix};
}

std::string format_ipv6_net(const Ipv6Net& net) {
  return format_ipv6(net.address) + "/" + std::to_string(net.prefix);
}

std::vector<Ipv6Net> host_routes6() {
  std::vector<Ipv6Net> routes;
  auto text = read_file("/proc/net/ipv6_route").value_or("");
  for (const auto& line : split(text, '\n')) {
    char dest[33];
    unsigned prefix = 0;
    if (std::sscanf(line.c_str(), "%32s %x", dest, &prefix) != 2 || prefix == 0 || prefix > 128)
      continue;
    Ipv6Net net;
    net.prefix = static_cast<int>(prefix);
    for (int i = 0; i < 16; ++i) {
      unsigned byte = 0;
      if (std::sscanf(dest + 2 * i, "%2x", &byte) != 1) break;
      net.address[i] = static_cast<uint8_t>(byte);
    }
    routes.push_back(net);
  }
  return routes;
}

Ipv6Net unique_local_net(uint64_t random) {
  Ipv6Net net;
  net.prefix = 64;
  net.address[0] = 0xfd;
  for (int i = 1; i <= 5; ++i) net.address[i] = static_cast<uint8_t>(random >> (8 * (i - 1)));
  return net;
}

}  // namespace sbx::net
