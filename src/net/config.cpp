#include "sandbox/net/config.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace sbx::net {
namespace {

std::string ipv4_text(uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

}  // namespace

bool is_ip_address(std::string_view text) {
  std::string s(text);
  in6_addr buf;
  return inet_pton(AF_INET, s.c_str(), &buf) == 1 || inet_pton(AF_INET6, s.c_str(), &buf) == 1;
}

Result<SlirpAddresses> slirp_addresses(std::string_view cidr) {
  auto bad = [&](std::string_view why) {
    return fail(Error("invalid cidr '" + std::string(cidr) + "': " + std::string(why))
                    .with_hint("give an IPv4 network such as cidr=10.0.2.0/24"));
  };
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad("expected ADDRESS/PREFIX");
  std::string address(cidr.substr(0, slash));
  std::string_view prefix_text = cidr.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(prefix_text.begin(), prefix_text.end(), prefix);
  if (ec != std::errc() || end != prefix_text.end()) return bad("the prefix is not a number");
  // slirp4netns puts the container at .100 of the network.
  if (prefix < 1 || prefix > 25) return bad("the prefix must be between 1 and 25");
  in_addr a;
  if (inet_pton(AF_INET, address.c_str(), &a) != 1) return bad("not an IPv4 address");
  uint32_t mask = prefix == 32 ? ~0U : ~((1U << (32 - prefix)) - 1);
  uint32_t network = ntohl(a.s_addr) & mask;
  return SlirpAddresses{ipv4_text(network + 100), ipv4_text(network + 2), ipv4_text(network + 3),
                        prefix};
}

}  // namespace sbx::net
