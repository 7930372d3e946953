// Network records and the checks a new network passes: an IPv4 subnet, and an
// IPv6 one for a dual-stack network.
#include "sandbox/net/networks.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::net {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kMaxNetworks = 256;  // 10.89.0.0/24 .. 10.89.255.0/24, bridges sbx0..sbx255

bool name_char(char c, bool first) {
  bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

std::string random_id() {
  unsigned char bytes[32];
  UniqueFd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  if (!fd || ::read(fd.get(), bytes, sizeof bytes) != sizeof bytes)
    for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(::rand());
  std::string id;
  char hex[3];
  for (unsigned char b : bytes) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    id += hex;
  }
  return id;
}

std::string now_rfc3339() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::map<std::string, std::string>> parse_labels(const std::vector<std::string>& labels) {
  std::map<std::string, std::string> out;
  for (const auto& l : labels) {
    size_t eq = l.find('=');
    if (eq == 0 || l.empty())
      return fail(
          Error("--label '" + l + "': expected KEY=VALUE").with_hint("e.g. --label app=web"));
    out[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

// The bridge index not used by `existing`.
Result<std::string> free_bridge(const std::vector<NetworkConfig>& existing) {
  for (int i = 0; i < kMaxNetworks; ++i) {
    std::string name = "sbx" + std::to_string(i);
    bool used = false;
    for (const auto& n : existing) used |= n.bridge == name;
    if (!used) return name;
  }
  return fail(Error("too many networks (" + std::to_string(kMaxNetworks) + ")")
                  .with_hint("remove unused ones with sandbox network prune"));
}

Status check_free(const Ipv4Net& net, const std::vector<NetworkConfig>& existing,
                  const std::vector<Ipv4Net>& routes) {
  for (const auto& n : existing) {
    auto other = parse_ipv4_net(n.subnet);
    if (other && other->overlaps(net))
      return fail(Error("subnet " + format_ipv4_net(net) + " overlaps network " + n.name + " (" +
                        n.subnet + ")")
                      .with_hint("choose another --subnet, or leave it out to get a free one"));
  }
  for (const auto& r : routes)
    if (r.prefix > 0 && r.overlaps(net))
      return fail(Error("subnet " + format_ipv4_net(net) + " overlaps the host's route to " +
                        format_ipv4_net(r))
                      .with_hint("choose another --subnet: containers could not reach that "
                                 "network of the host"));
  return {};
}

Status check_free6(const Ipv6Net& net, const std::vector<NetworkConfig>& existing,
                   const std::vector<Ipv6Net>& routes) {
  for (const auto& n : existing) {
    auto other = n.subnet6.empty() ? Result<Ipv6Net>(fail("")) : parse_ipv6_net(n.subnet6);
    if (other && other->overlaps(net))
      return fail(Error("subnet " + format_ipv6_net(net) + " overlaps network " + n.name + " (" +
                        n.subnet6 + ")")
                      .with_hint("choose another IPv6 --subnet, or leave it out to get a free "
                                 "one"));
  }
  for (const auto& r : routes)
    if (r.overlaps(net))
      return fail(Error("subnet " + format_ipv6_net(net) + " overlaps the host's route to " +
                        format_ipv6_net(r))
                      .with_hint("choose another IPv6 --subnet: containers could not reach that "
                                 "network of the host"));
  return {};
}

bool is_ipv6_text(std::string_view text) { return text.find(':') != std::string_view::npos; }

// The one --subnet (or --gateway) of a family, "" when none; two are an error.
Result<std::string> one_of_family(const std::vector<std::string>& values, bool v6,
                                  const char* flag) {
  std::string found;
  for (const auto& v : values) {
    if (is_ipv6_text(v) != v6) continue;
    if (!found.empty())
      return fail(Error(std::string(flag) + ": two IPv" + (v6 ? "6" : "4") + " values (" + found +
                        ", " + v + ")")
                      .with_hint("give at most one IPv4 and one IPv6 " + std::string(flag)));
    found = v;
  }
  return found;
}

// The subnet's gateway: `given` (checked to be a host address of it) or its first address.
Result<std::string> choose_gateway6(const Ipv6Net& subnet, const std::string& given) {
  if (given.empty()) return format_ipv6(subnet.nth(1));
  auto a = SBX_TRY_CTX(parse_ipv6(given), "--gateway");
  if (!subnet.contains(a) || a == subnet.address)
    return fail(Error("--gateway " + given + " is not a host address of " + format_ipv6_net(subnet))
                    .with_hint("give an address inside the IPv6 subnet, or leave it out"));
  return format_ipv6(a);
}

Result<Ipv6Net> choose_subnet6(const std::string& given, const std::vector<NetworkConfig>& existing,
                               const std::vector<Ipv6Net>& routes, uint64_t random) {
  if (!given.empty()) {
    auto net = SBX_TRY_CTX(parse_ipv6_net(given), "--subnet");
    if (net.prefix > 120)
      return fail(Error("--subnet " + given + ": too small for containers")
                      .with_hint("use a prefix of /120 or shorter, e.g. fd00:1::/64"));
    SBX_TRY(check_free6(net, existing, routes));
    return net;
  }
  for (uint64_t i = 0; i < 16; ++i) {
    // Another 40 bits for each try: a splitmix64 step from `random`.
    uint64_t z = random + (i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    auto net = unique_local_net(z ^ (z >> 31));
    if (check_free6(net, existing, routes)) return net;
  }
  return fail(Error("no free unique local IPv6 subnet found").with_hint("give one with --subnet"));
}

Result<Ipv4Net> choose_subnet(const std::string& given, const std::vector<NetworkConfig>& existing,
                              const std::vector<Ipv4Net>& routes) {
  if (!given.empty()) {
    auto net = SBX_TRY_CTX(parse_ipv4_net(given), "--subnet");
    if (net.prefix > 30)
      return fail(Error("--subnet " + given + ": too small for containers")
                      .with_hint("use a prefix of /30 or shorter, e.g. 10.90.0.0/24"));
    SBX_TRY(check_free(net, existing, routes));
    return net;
  }
  for (uint32_t i = 0; i < kMaxNetworks; ++i) {
    Ipv4Net net{(10U << 24) | (89U << 16) | (i << 8), 24};
    if (check_free(net, existing, routes)) return net;
  }
  return fail(Error("no free subnet in 10.89.0.0/16").with_hint("give one with --subnet"));
}

}  // namespace

bool Ipv4Net::overlaps(const Ipv4Net& o) const {
  int p = std::min(prefix, o.prefix);
  uint32_t m = p == 0 ? 0 : ~((1U << (32 - p)) - 1);
  return (address & m) == (o.address & m);
}

Result<uint32_t> parse_ipv4(std::string_view text) {
  in_addr a;
  if (inet_pton(AF_INET, std::string(text).c_str(), &a) != 1)
    return fail("'" + std::string(text) + "' is not an IPv4 address");
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

std::string format_ipv4_net(const Ipv4Net& net) {
  return format_ipv4(net.address) + "/" + std::to_string(net.prefix);
}

Result<Ipv4Net> parse_ipv4_net(std::string_view cidr) {
  auto bad = [&](std::string_view why) {
    return fail(Error("'" + std::string(cidr) + "': " + std::string(why))
                    .with_hint("give an IPv4 network such as 10.90.0.0/24"));
  };
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad("expected ADDRESS/PREFIX");
  auto address = parse_ipv4(cidr.substr(0, slash));
  if (!address) return bad("not an IPv4 address");
  int prefix = -1;
  auto rest = cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
  if (ec != std::errc() || end != rest.data() + rest.size() || prefix < 1 || prefix > 32)
    return bad("the prefix must be a number from 1 to 32");
  Ipv4Net net{0, prefix};
  net.address = *address & net.mask();
  return net;
}

Status check_network_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name_char(name[0], true);
  for (char c : name) ok = ok && name_char(c, false);
  if (!ok)
    return fail(Error("invalid network name '" + std::string(name) + "'")
                    .with_hint("use letters, digits, '_', '.' and '-', starting with a letter "
                               "or digit (at most 64)"));
  if (name == "none" || name == "host" || name == "bridge" || name == "slirp4netns" ||
      name == "pasta" || name == "private")
    return fail(Error("'" + std::string(name) + "' is a network mode, not a network name")
                    .with_hint("choose another name"));
  return {};
}

Status check_dns_label(std::string_view name, std::string_view what) {
  bool ok = !name.empty() && name.size() <= 63 && name_char(name[0], true) &&
            name_char(name.back(), true);
  for (char c : name) ok = ok && (name_char(c, true) || c == '-');
  if (!ok)
    return fail(Error(std::string(what) + " '" + std::string(name) +
                      "' is not a valid DNS name, so it cannot be found on a network")
                    .with_hint("use letters, digits and '-' (at most 63, no '_' or '.'), "
                               "or give a --network-alias that is"));
  return {};
}

std::vector<Ipv4Net> host_routes() {
  std::vector<Ipv4Net> routes;
  auto text = read_file("/proc/net/route").value_or("");
  for (const auto& line : split(text, '\n')) {
    unsigned dest = 0, mask = 0;
    char iface[64];
    unsigned gw = 0, flags = 0;
    if (std::sscanf(line.c_str(), "%63s %x %x %x %*d %*d %*d %x", iface, &dest, &gw, &flags,
                    &mask) != 5)
      continue;
    uint32_t m = ntohl(mask);
    int prefix = __builtin_popcount(m);
    if (prefix == 0) continue;  // the default route
    routes.push_back(Ipv4Net{ntohl(dest) & m, prefix});
  }
  return routes;
}

Result<NetworkConfig> plan_network(const NetworkCreateOptions& options,
                                   const std::vector<NetworkConfig>& existing,
                                   const HostRoutes& routes, uint64_t random) {
  SBX_TRY(check_network_name(options.name));
  for (const auto& n : existing)
    if (n.name == options.name)
      return fail(
          Error("network " + options.name + " already exists")
              .with_hint("choose another name, or remove it: sandbox network rm " + options.name));
  NetworkConfig network{.name = options.name, .internal = options.internal};
  network.labels = SBX_TRY(parse_labels(options.labels));
  std::string subnet4 = SBX_TRY(one_of_family(options.subnets, false, "--subnet"));
  std::string subnet6 = SBX_TRY(one_of_family(options.subnets, true, "--subnet"));
  std::string gateway4 = SBX_TRY(one_of_family(options.gateways, false, "--gateway"));
  std::string gateway6 = SBX_TRY(one_of_family(options.gateways, true, "--gateway"));
  auto subnet = SBX_TRY(choose_subnet(subnet4, existing, routes.v4));
  network.subnet = format_ipv4_net(subnet);
  uint32_t gateway = subnet.address + 1;
  if (!gateway4.empty()) {
    gateway = SBX_TRY_CTX(parse_ipv4(gateway4), "--gateway");
    uint32_t broadcast = subnet.address | ~subnet.mask();
    if (!subnet.contains(gateway) || gateway == subnet.address || gateway == broadcast)
      return fail(Error("--gateway " + gateway4 + " is not a host address of " + network.subnet)
                      .with_hint("give an address inside the subnet, or leave it out"));
  }
  network.gateway = format_ipv4(gateway);
  if (options.ipv6 || !subnet6.empty()) {
    auto net6 = SBX_TRY(choose_subnet6(subnet6, existing, routes.v6, random));
    network.subnet6 = format_ipv6_net(net6);
    network.gateway6 = SBX_TRY(choose_gateway6(net6, gateway6));
  } else if (!gateway6.empty()) {
    return fail(Error("--gateway " + gateway6 + ": the network has no IPv6 subnet")
                    .with_hint("add --ipv6 (or an IPv6 --subnet)"));
  }
  network.bridge = SBX_TRY(free_bridge(existing));
  network.id = random_id();
  network.created = now_rfc3339();
  return network;
}

std::string network_config_to_json(const NetworkConfig& n) {
  json j = {{"name", n.name},     {"id", n.id},           {"bridge", n.bridge},
            {"subnet", n.subnet}, {"gateway", n.gateway}, {"internal", n.internal},
            {"labels", n.labels}, {"created", n.created}};
  if (!n.subnet6.empty()) {
    j["subnet6"] = n.subnet6;
    j["gateway6"] = n.gateway6;
  }
  return j.dump(2) + "\n";
}

Result<NetworkConfig> network_config_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("network record: not a JSON object");
  NetworkConfig n;
  try {
    n.name = j.at("name").get<std::string>();
    n.id = j.at("id").get<std::string>();
    n.bridge = j.at("bridge").get<std::string>();
    n.subnet = j.at("subnet").get<std::string>();
    n.gateway = j.at("gateway").get<std::string>();
    n.subnet6 = j.value("subnet6", "");
    n.gateway6 = j.value("gateway6", "");
    n.internal = j.value("internal", false);
    n.labels = j.value("labels", std::map<std::string, std::string>{});
    n.created = j.value("created", "");
  } catch (const json::exception& e) {
    return fail(std::string("network record: ") + e.what());
  }
  return n;
}

Result<Networks> Networks::open(const fs::path& store_root) {
  // No --root: the default store's (not a "networks" dir in the working directory).
  fs::path root = store_root.empty() ? SBX_TRY(default_store_root()) : store_root;
  fs::path dir = root / "networks";
  SBX_TRY(make_dirs(dir, 0700));
  return Networks(dir);
}

Result<std::vector<NetworkConfig>> Networks::list() const {
  std::vector<NetworkConfig> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = read_file(entry.path());
    if (!text) continue;  // removed meanwhile
    auto n = network_config_from_json(*text);
    if (!n) return fail(std::move(n.error()).context(entry.path().native()));
    out.push_back(std::move(*n));
  }
  if (ec) return fail_errno("opendir", dir_.native(), ec.value());
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

Result<NetworkConfig> Networks::get(std::string_view name) const {
  auto all = SBX_TRY(list());
  for (auto& n : all)
    if (n.name == name) return n;
  for (auto& n : all)
    if (name.size() >= 3 && n.id.starts_with(name)) return n;
  return fail(Error("no such network: " + std::string(name), Error::Kind::kNotFound)
                  .with_hint("sandbox network ls lists them; sandbox network create " +
                             std::string(name) + " makes it"));
}

Result<NetworkConfig> Networks::create(const NetworkCreateOptions& options) const {
  auto lock = SBX_TRY(FileLock::acquire(dir_ / ".lock", FileLock::Mode::kExclusive));
  auto existing = SBX_TRY(list());
  HostRoutes routes{host_routes(), host_routes6()};
  uint64_t random = std::stoull(random_id().substr(0, 16), nullptr, 16);
  auto network = SBX_TRY(plan_network(options, existing, routes, random));
  SBX_TRY(
      write_file_atomic(dir_ / (network.name + ".json"), network_config_to_json(network), 0600));
  return network;
}

Status Networks::remove(std::string_view name) const {
  auto lock = SBX_TRY(FileLock::acquire(dir_ / ".lock", FileLock::Mode::kExclusive));
  auto network = SBX_TRY(get(name));
  fs::path file = dir_ / (network.name + ".json");
  if (::unlink(file.c_str()) < 0) return fail_errno("unlink", file.native());
  return {};
}

std::string netavark_options_json(std::string_view container_id, std::string_view container_name,
                                  const std::vector<NetworkAttachment>& attachments,
                                  const std::vector<PortRequest>& ports) {
  json networks = json::object(), info = json::object(), mappings = json::array();
  for (const auto& a : attachments) {
    json ips = {a.ip}, subnets = {{{"subnet", a.network.subnet}, {"gateway", a.network.gateway}}};
    if (!a.network.subnet6.empty()) {
      if (!a.ip6.empty()) ips.push_back(a.ip6);
      subnets.push_back({{"subnet", a.network.subnet6}, {"gateway", a.network.gateway6}});
    }
    networks[a.network.name] = {
        {"static_ips", ips}, {"aliases", a.aliases}, {"interface_name", a.interface}};
    info[a.network.name] = {{"name", a.network.name},
                            {"id", a.network.id},
                            {"driver", "bridge"},
                            {"network_interface", a.network.bridge},
                            {"subnets", subnets},
                            {"ipv6_enabled", !a.network.subnet6.empty()},
                            {"internal", a.network.internal},
                            {"dns_enabled", true},
                            // slirp4netns's MTU on the bridge and veths too: a
                            // published port's connection (slirp4netns -> DNAT ->
                            // container) then carries 64 KiB segments through
                            // slirp4netns's user-space TCP, not 1460-byte ones.
                            {"options", {{"mtu", std::to_string(kDefaultMtu)}}},
                            {"ipam_options", {{"driver", "host-local"}}}};
  }
  for (const auto& p : ports)
    mappings.push_back({{"host_ip", ""},
                        {"container_port", p.container_port},
                        {"host_port", p.host_port},
                        {"range", 1},
                        {"protocol", p.protocol}});
  json j = {{"container_id", container_id},
            {"container_name", container_name},
            {"networks", networks},
            {"network_info", info}};
  if (!mappings.empty()) j["port_mappings"] = mappings;
  return j.dump();
}

}  // namespace sbx::net
