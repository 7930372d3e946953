#include "sandbox/net/etc_files.hpp"

#include <arpa/inet.h>

#include "sandbox/base/strings.hpp"

namespace sbx::net {
namespace {

bool is_ipv4(std::string_view text) {
  std::string s(text);
  in_addr a;
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

// "nameserver X" -> X, else "".
std::string_view nameserver_of(std::string_view line) {
  line = trim(line);
  if (!line.starts_with("nameserver")) return {};
  line.remove_prefix(10);
  if (line.empty() || (line[0] != ' ' && line[0] != '\t')) return {};
  line = trim(line);
  return line.substr(0, line.find_first_of(" \t#;"));
}

}  // namespace

std::string make_hosts_file(const HostsFileInput& in) {
  std::string out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  const std::string& own = in.container_ip.empty() ? std::string("127.0.1.1") : in.container_ip;
  out += own + "\t" + in.hostname + "\n";
  if (!in.host_gateway.empty())
    out += in.host_gateway + "\thost.containers.internal host.docker.internal\n";
  for (const auto& h : in.extra_hosts) out += h.ip + "\t" + h.name + "\n";
  return out;
}

std::vector<std::string> ipv4_nameservers(std::string_view resolv_conf) {
  std::vector<std::string> servers;
  for (const auto& line : split(resolv_conf, '\n'))
    if (auto ns = nameserver_of(line); !ns.empty() && is_ipv4(ns)) servers.emplace_back(ns);
  return servers;
}

std::string make_resolv_conf(std::string_view host, const ResolvConfInput& in) {
  std::vector<std::string> servers = in.dns_servers;
  if (servers.empty() && !in.forwarder.empty() && !ipv4_nameservers(host).empty())
    servers = {in.forwarder};
  bool own_search = !in.search.empty(), own_options = !in.options.empty();
  if (servers.empty() && !own_search && !own_options) return std::string(host);
  std::string out;
  for (const auto& line : split(host, '\n')) {
    auto t = trim(line);
    bool search = t.starts_with("search") || t.starts_with("domain");
    if ((search && !own_search) || (t.starts_with("options") && !own_options) ||
        (t.starts_with("nameserver") && servers.empty()))
      out += std::string(t) + "\n";
  }
  auto joined = [](const std::vector<std::string>& words) {
    std::string text;
    for (const auto& w : words) text += " " + w;
    return text;
  };
  if (own_search && !(in.search.size() == 1 && in.search[0] == "."))
    out += "search" + joined(in.search) + "\n";
  if (own_options) out += "options" + joined(in.options) + "\n";
  for (const auto& s : servers) out += "nameserver " + s + "\n";
  return out;
}

std::string add_nameserver(std::string_view resolv_conf, std::string_view server) {
  for (const auto& line : split(resolv_conf, '\n'))
    if (nameserver_of(line) == server) return std::string(resolv_conf);
  std::string out(resolv_conf);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + "nameserver " + std::string(server) + "\n";
}

std::string remove_nameserver(std::string_view resolv_conf, std::string_view server) {
  std::string out;
  for (const auto& line : split(resolv_conf, '\n'))
    if (!line.empty() && nameserver_of(line) != server) out += std::string(line) + "\n";
  return out;
}

}  // namespace sbx::net
