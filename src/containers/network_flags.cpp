#include "sandbox/containers/network_flags.hpp"

#include <algorithm>
#include <charconv>

#include "sandbox/base/strings.hpp"

namespace sbx::containers {
namespace {

constexpr int kMaxMtu = 65521;  // slirp4netns's limit
constexpr int kMinMtu = 1280;   // IPv6's minimum; less breaks the tap

std::optional<long> parse_number(std::string_view text, long max) {
  long value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

Result<bool> parse_bool(std::string_view key, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return fail(std::string(key) + "=" + std::string(value) + ": expected true or false");
}

Status apply_slirp_option(std::string_view option, net::SlirpOptions& o) {
  size_t eq = option.find('=');
  std::string_view key = option.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? "" : option.substr(eq + 1);
  if (key == "allow_host_loopback") {
    o.allow_host_loopback = SBX_TRY(parse_bool(key, value));
  } else if (key == "enable_ipv6") {
    o.enable_ipv6 = SBX_TRY(parse_bool(key, value));
  } else if (key == "cidr") {
    SBX_TRY(net::slirp_addresses(value));
    o.cidr = std::string(value);
  } else if (key == "mtu") {
    auto mtu = parse_number(value, kMaxMtu);
    if (!mtu || *mtu < kMinMtu)
      return fail("mtu=" + std::string(value) + ": expected a number from " +
                  std::to_string(kMinMtu) + " to " + std::to_string(kMaxMtu));
    o.mtu = static_cast<int>(*mtu);
  } else if (key == "port_handler" && value == "slirp4netns") {
    // podman's spelling of what we always do
  } else {
    return fail(Error("unknown slirp4netns option '" + std::string(option) + "'")
                    .with_hint("options: allow_host_loopback=true|false, enable_ipv6=true|false, "
                               "cidr=10.0.2.0/24, mtu=N"));
  }
  return {};
}

Result<uint16_t> parse_port(std::string_view text, std::string_view what, bool zero_ok) {
  auto port = parse_number(text, 65535);
  if (!port || (*port == 0 && !zero_ok)) {
    if (text.find('-') != std::string_view::npos)
      return fail(std::string(what) + " '" + std::string(text) +
                  "': port ranges are not supported");
    return fail(std::string(what) + " '" + std::string(text) + "' is not a port (1-65535)");
  }
  return static_cast<uint16_t>(*port);
}

// Splits "[::1]:8080:80" or "127.0.0.1:8080:80" into ip and the rest.
Result<std::pair<std::string, std::string_view>> split_host_ip(std::string_view text) {
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [IPV6]:HOSTPORT:CTRPORT");
    return std::pair{std::string(text.substr(1, close - 1)), text.substr(close + 2)};
  }
  auto parts = split(text, ':');
  if (parts.size() <= 2) return std::pair{std::string(), text};
  if (parts.size() > 3) return fail("too many ':' (write an IPv6 address as [ADDRESS])");
  return std::pair{parts[0], text.substr(parts[0].size() + 1)};
}

// The repeated --network NAMEs, --network-alias and --ip.
Status apply_user_networks(const RunFlags& flags, ContainerSpec& spec) {
  bool user = spec.network == NetworkMode::kBridge;
  if (!user && (!flags.more_networks.empty() || !flags.network_aliases.empty() ||
                !flags.ip.empty() || !flags.ip6.empty()))
    return fail(Error("--network-alias, --ip, --ip6 and a second --network need a network of "
                      "yours")
                    .with_hint("create one (sandbox network create NAME) and run with "
                               "--network NAME"));
  if (!user) return {};
  for (const auto& name : flags.more_networks) {
    auto more = SBX_TRY(parse_network(name));
    if (more.mode != NetworkMode::kBridge)
      return fail(Error("--network " + name + " cannot be combined with another --network")
                      .with_hint("only network names may be repeated"));
    for (const auto& n : spec.networks)
      if (n.network == name) return fail("--network " + name + " is given twice");
    spec.networks.push_back(more.networks.front());
  }
  if (!flags.ip.empty()) {
    if (spec.networks.size() > 1)
      return fail(Error("--ip with more than one --network: which network is it for?")
                      .with_hint("give --ip with one --network, then sandbox network connect "
                                 "--ip for the others"));
    if (!net::parse_ipv4(flags.ip)) return fail("--ip " + flags.ip + ": not an IPv4 address");
    spec.networks.front().ip = flags.ip;
  }
  if (!flags.ip6.empty()) {
    if (spec.networks.size() > 1)
      return fail(Error("--ip6 with more than one --network: which network is it for?")
                      .with_hint("give --ip6 with one --network, then sandbox network connect "
                                 "--ip6 for the others"));
    if (!net::parse_ipv6(flags.ip6)) return fail("--ip6 " + flags.ip6 + ": not an IPv6 address");
    spec.networks.front().ip6 = flags.ip6;
  }
  for (const auto& alias : flags.network_aliases)
    SBX_TRY(net::check_dns_label(alias, "--network-alias"));
  for (auto& n : spec.networks) n.aliases = flags.network_aliases;
  if (!flags.name.empty()) SBX_TRY(net::check_dns_label(flags.name, "container name"));
  return {};
}

}  // namespace

Result<NetworkChoice> parse_network(std::string_view text) {
  NetworkChoice choice;
  if (text == "none") choice.mode = NetworkMode::kNone;
  if (text == "host") choice.mode = NetworkMode::kHost;
  if (text == "none" || text == "host" || text.empty() || text == "slirp4netns") return choice;
  if (text.starts_with("container:") || text.starts_with("ns:")) {
    std::string_view target = text.substr(text.find(':') + 1);
    if (target.empty() || (text.starts_with("ns:") && !target.starts_with('/')))
      return fail(Error("--network " + std::string(text) + ": expected container:NAME or ns:PATH")
                      .with_hint("give a container's name or id, or the absolute path of a "
                                 "network namespace (e.g. /proc/PID/ns/net)"));
    choice.mode = NetworkMode::kJoin;
    choice.join = std::string(text);
    return choice;
  }
  if (!text.starts_with("slirp4netns:")) {
    if (text.find(':') != std::string_view::npos || !net::check_network_name(text))
      return fail(Error("unsupported network mode '" + std::string(text) + "'")
                      .with_hint("use --network slirp4netns[:OPTIONS] (the default), none, "
                                 "host, container:NAME, ns:PATH, or the name of a network "
                                 "(sandbox network ls)"));
    choice.mode = NetworkMode::kBridge;
    choice.networks.push_back({std::string(text), {}, {}});
    return choice;
  }
  for (const auto& option : split(text.substr(12), ','))
    if (!option.empty())
      SBX_TRY_CTX(apply_slirp_option(option, choice.slirp), "--network " + std::string(text));
  return choice;
}

Result<net::PortRequest> parse_publish(std::string_view text) {
  auto bad = [&](const Error& e) {
    return fail(Error("-p " + std::string(text) + ": " + e.message())
                    .with_hint("-p [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp], e.g. -p 8080:80"));
  };
  net::PortRequest port;
  std::string_view rest = text;
  if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
    port.protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (port.protocol != "tcp" && port.protocol != "udp")
      return bad(Error("protocol '" + port.protocol + "' is not supported (tcp or udp)"));
  }
  auto host = split_host_ip(rest);
  if (!host) return bad(host.error());
  port.host_ip = host->first;
  if (!port.host_ip.empty() && !net::is_ip_address(port.host_ip))
    return bad(Error("'" + port.host_ip + "' is not an IP address"));
  auto ports = split(host->second, ':');
  if (ports.size() > 2) return bad(Error("too many ':'"));
  auto ctr = parse_port(ports.back(), "container port", false);
  if (!ctr) return bad(ctr.error());
  port.container_port = *ctr;
  if (ports.size() == 2 && !ports[0].empty()) {
    auto hp = parse_port(ports[0], "host port", true);
    if (!hp) return bad(hp.error());
    port.host_port = *hp;
  }
  return port;
}

Result<std::vector<std::string>> parse_expose(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Error("--expose " + std::string(text) + ": " + why, EINVAL)
                    .with_hint("--expose PORT[/tcp|udp|sctp] or a range PORT-PORT, e.g. "
                               "--expose 8080 or --expose 7000-7002/udp"));
  };
  std::string_view ports = text, protocol = "tcp";
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    ports = text.substr(0, slash);
    protocol = text.substr(slash + 1);
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
      return bad("protocol '" + std::string(protocol) + "' is not tcp, udp or sctp");
  }
  size_t dash = ports.find('-');
  auto first = parse_port(ports.substr(0, dash), "port", false);
  if (!first) return bad(first.error().message());
  uint16_t last = *first;
  if (dash != std::string_view::npos) {
    auto end = parse_port(ports.substr(dash + 1), "port", false);
    if (!end) return bad(end.error().message());
    if (*end < *first) return bad("the range ends before it starts");
    last = *end;
  }
  std::vector<std::string> keys;
  for (uint32_t port = *first; port <= last; ++port)
    keys.push_back(std::to_string(port) + "/" + std::string(protocol));
  return keys;
}

Result<net::HostEntry> parse_add_host(std::string_view text) {
  size_t sep = text.find_first_of(":=");
  net::HostEntry entry;
  if (sep != std::string_view::npos) {
    entry.name = std::string(text.substr(0, sep));
    entry.ip = std::string(text.substr(sep + 1));
  }
  if (entry.ip.starts_with('[') && entry.ip.ends_with(']'))
    entry.ip = entry.ip.substr(1, entry.ip.size() - 2);
  bool name_ok = !entry.name.empty() && entry.name.find_first_of(" \t\n#") == std::string::npos;
  if (!name_ok || (entry.ip != "host-gateway" && !net::is_ip_address(entry.ip)))
    return fail(Error("--add-host " + std::string(text) + ": expected NAME:IP")
                    .with_hint("e.g. --add-host db:10.0.2.2 or --add-host host:host-gateway"));
  return entry;
}

Result<std::string> parse_dns(std::string_view text) {
  if (!net::is_ip_address(text)) return fail("--dns " + std::string(text) + ": not an IP address");
  return std::string(text);
}

Status apply_network_flags(const RunFlags& flags, ContainerSpec& spec) {
  auto choice = SBX_TRY(parse_network(flags.network));
  spec.network = choice.mode;
  spec.slirp = choice.slirp;
  spec.networks = choice.networks;
  spec.network_join = choice.join;
  SBX_TRY(apply_user_networks(flags, spec));
  for (const auto& p : flags.publish) spec.ports.push_back(SBX_TRY(parse_publish(p)));
  if (!spec.ports.empty() && spec.network != NetworkMode::kSlirp4netns &&
      spec.network != NetworkMode::kBridge)
    return fail(Error("-p needs the container's own network: --network " + flags.network +
                      " has no ports to publish")
                    .with_hint("drop -p, or use --network slirp4netns (the default)"));
  for (size_t i = 0; i < spec.ports.size(); ++i)
    for (size_t j = i + 1; j < spec.ports.size(); ++j) {
      const auto &a = spec.ports[i], &b = spec.ports[j];
      if (a.host_port != 0 && a.host_port == b.host_port && a.protocol == b.protocol &&
          a.host_ip == b.host_ip)
        return fail("-p: host port " + std::to_string(a.host_port) + "/" + a.protocol +
                    " is published twice");
    }
  for (const auto& d : flags.dns) spec.dns.push_back(SBX_TRY(parse_dns(d)));
  // One word each: a space or newline would add lines of its own to resolv.conf.
  auto one_word = [](const std::string& word, const char* flag) -> Status {
    if (word.empty() || word.find_first_of(" \t\n#;") != std::string::npos)
      return fail(Error(std::string("invalid ") + flag + " '" + word + "'", EINVAL)
                      .with_hint(std::string(flag) + " takes one word a time (repeat the flag)"));
    return {};
  };
  for (const auto& d : flags.dns_search) SBX_TRY(one_word(d, "--dns-search"));
  for (const auto& o : flags.dns_options) SBX_TRY(one_word(o, "--dns-option"));
  spec.dns_search = flags.dns_search;
  spec.dns_options = flags.dns_options;
  for (const auto& h : flags.add_hosts) spec.extra_hosts.push_back(SBX_TRY(parse_add_host(h)));
  return {};
}

namespace {

// "80/tcp" -> {80, "tcp"}; {0, ""} for a key that is not one (an image's odd entry).
std::pair<uint16_t, std::string> split_exposed_key(std::string_view key) {
  size_t slash = key.find('/');
  std::string protocol =
      slash == std::string_view::npos ? "tcp" : std::string(key.substr(slash + 1));
  auto port = parse_number(key.substr(0, slash), 65535);
  if (!port || *port == 0) return {0, ""};
  return {static_cast<uint16_t>(*port), protocol};
}

}  // namespace

Status apply_exposed_ports(const ImageDefaults& image, const RunFlags& flags, ContainerSpec& spec) {
  std::vector<std::string> keys;
  for (const auto& key : image.exposed_ports) {
    auto [port, protocol] = split_exposed_key(key);
    if (port != 0) keys.push_back(std::to_string(port) + "/" + protocol);
  }
  for (const auto& text : flags.expose) {
    auto more = SBX_TRY(parse_expose(text));
    keys.insert(keys.end(), more.begin(), more.end());
  }
  std::ranges::sort(keys);
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  spec.exposed_ports = keys;
  spec.publish_all = flags.publish_all;
  if (!flags.publish_all) return {};
  for (const auto& key : keys) {
    auto [port, protocol] = split_exposed_key(key);
    if (protocol != "tcp" && protocol != "udp") continue;  // slirp4netns forwards these two
    bool published = std::ranges::any_of(spec.ports, [&](const net::PortRequest& p) {
      return p.container_port == port && p.protocol == protocol;
    });
    if (published) continue;
    if (spec.network != NetworkMode::kSlirp4netns && spec.network != NetworkMode::kBridge)
      return fail(Error("-P needs the container's own network: --network " + flags.network +
                        " has no ports to publish")
                      .with_hint("drop -P, or use --network slirp4netns (the default)"));
    spec.ports.push_back(net::PortRequest{"", 0, port, protocol});
  }
  return {};
}

}  // namespace sbx::containers
