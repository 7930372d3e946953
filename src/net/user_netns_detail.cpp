// Running commands in the per-user network namespace and its address files.
#include "user_netns_detail.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::net::detail {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n";

// Creates ips/<network>/<address> exclusively: false when it is taken.
bool claim_address_file(const fs::path& ips, const std::string& address, const std::string& id) {
  UniqueFd fd(::open((ips / address).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return false;
  (void)write_all(fd.get(), id);
  return true;
}

}  // namespace

// Runs `script` (sh -c) as root in the holder's user, mount and net namespaces.
Result<CommandResult> run_in_netns(pid_t holder, const std::string& script,
                                   const std::vector<std::string>& args,
                                   std::optional<std::string> input) {
  std::vector<std::string> argv = {
      "nsenter", "--target", std::to_string(holder),      "--user", "--mount", "--net", "--",
      "/bin/sh", "-c",       std::string(kPath) + script, "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.stdin_data = std::move(input);
  return run_command(argv, options);
}

std::string last_error(const CommandResult& r) {
  // netavark prints {"error": "..."} on stdout or stderr.
  for (const std::string* text : {&r.out, &r.err}) {
    json j = json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
      return j["error"].get<std::string>();
  }
  // mount(8) ends with a line that only points at dmesg: the reason is the one before.
  std::string last;
  for (const auto& line : split(r.err + "\n" + r.out, '\n'))
    if (!trim(line).empty() && !trim(line).starts_with("dmesg(1)")) last = std::string(trim(line));
  return last;
}

// The requested or the first free host address of `network`, claimed by
// creating ips/<network>/<ip> exclusively.
Result<std::string> claim_address(const fs::path& dir, const NetworkConfig& network,
                                  const std::string& requested, const std::string& id) {
  auto subnet = SBX_TRY(parse_ipv4_net(network.subnet));
  fs::path ips = dir / "ips" / network.name;
  SBX_TRY(make_dirs(ips, 0700));
  uint32_t gateway = SBX_TRY(parse_ipv4(network.gateway));
  uint32_t broadcast = subnet.address | ~subnet.mask();
  auto claim = [&](uint32_t a) { return claim_address_file(ips, format_ipv4(a), id); };
  if (!requested.empty()) {
    uint32_t a = SBX_TRY_CTX(parse_ipv4(requested), "--ip");
    if (!subnet.contains(a) || a == gateway || a == subnet.address || a == broadcast)
      return fail(Error("--ip " + requested + " is not a free host address of network " +
                        network.name + " (" + network.subnet + ")")
                      .with_hint("give an address inside the subnet other than the gateway " +
                                 network.gateway));
    if (!claim(a))
      return fail(Error("--ip " + requested + " is in use on network " + network.name)
                      .with_hint("leave --ip out to get a free address"));
    return requested;
  }
  for (uint32_t a = subnet.address + 1; a < broadcast; ++a)
    if (a != gateway && claim(a)) return format_ipv4(a);
  return fail(Error("network " + network.name + " has no free address left")
                  .with_hint("remove containers from it, or create a network with a larger "
                             "--subnet"));
}

namespace {

// `requested` (--ip6) when it is a free host address of `network`'s IPv6
// subnet, else the first free one after the gateway.
Result<std::string> claim_address6(const fs::path& dir, const NetworkConfig& network,
                                   const std::string& requested, const std::string& id) {
  auto subnet = SBX_TRY(parse_ipv6_net(network.subnet6));
  auto gateway = SBX_TRY(parse_ipv6(network.gateway6));
  fs::path ips = dir / "ips" / network.name;
  SBX_TRY(make_dirs(ips, 0700));
  if (!requested.empty()) {
    auto a = SBX_TRY_CTX(parse_ipv6(requested), "--ip6");
    if (!subnet.contains(a) || a == gateway || a == subnet.address)
      return fail(Error("--ip6 " + requested + " is not a free host address of network " +
                        network.name + " (" + network.subnet6 + ")")
                      .with_hint("give an address inside the subnet other than the gateway " +
                                 network.gateway6));
    std::string text = format_ipv6(a);  // one spelling per address: its file name
    if (!claim_address_file(ips, text, id))
      return fail(Error("--ip6 " + requested + " is in use on network " + network.name)
                      .with_hint("leave --ip6 out to get a free address"));
    return text;
  }
  constexpr uint64_t kTries = 1 << 16;  // a /120 has 255 addresses, a /64 more than enough
  for (uint64_t i = 1; i < kTries; ++i) {
    auto a = subnet.nth(i);
    if (!subnet.contains(a)) break;
    if (a == gateway) continue;
    std::string text = format_ipv6(a);
    if (claim_address_file(ips, text, id)) return text;
  }
  return fail(Error("network " + network.name + " has no free IPv6 address left")
                  .with_hint("remove containers from it"));
}

}  // namespace

Result<std::vector<std::string>> claim_addresses(const fs::path& dir, const NetworkConfig& network,
                                                 const NetworkAttachRequest& request,
                                                 const std::string& id) {
  if (!request.ip6.empty() && network.subnet6.empty())
    return fail(Error("--ip6 " + request.ip6 + ": network " + network.name + " has no IPv6 subnet")
                    .with_hint("create a dual-stack network: sandbox network create --ipv6 NAME"));
  std::vector<std::string> ips{SBX_TRY(claim_address(dir, network, request.ip, id))};
  if (network.subnet6.empty()) return ips;
  auto ip6 = claim_address6(dir, network, request.ip6, id);
  if (!ip6) {
    ::unlink((dir / "ips" / network.name / ips[0]).c_str());
    return fail(std::move(ip6.error()));
  }
  ips.push_back(*ip6);
  return ips;
}

void release_addresses(const fs::path& dir, const json& record) {
  auto nets = record.find("networks");
  if (nets == record.end() || !nets->is_object()) return;
  for (auto it = nets->begin(); it != nets->end(); ++it) {
    auto ips = it->find("static_ips");
    if (ips == it->end() || !ips->is_array()) continue;
    for (const auto& ip : *ips)
      if (ip.is_string()) ::unlink((dir / "ips" / it.key() / ip.get<std::string>()).c_str());
  }
}

json netavark_options_for(const std::string& id, const std::string& name,
                          const NetworkAttachment& attachment) {
  return json::parse(netavark_options_json(id, name, {attachment}, {}));
}

namespace {

// Shell: `command` ($t naming the tool) for iptables, and for ip6tables where
// the kernel has IPv6 (dual-stack networks forward IPv6 between bridges too).
std::string for_each_firewall(const std::string& command) {
  return "for t in iptables $([ -d /proc/sys/net/ipv6 ] && echo ip6tables); do " + command +
         " || exit 1; done";
}

}  // namespace

std::string isolate_networks_script() {
  return for_each_firewall(
      "{ $t -t mangle -N SBX-ISOLATE && $t -t mangle -A SBX-ISOLATE -j DROP &&"
      " $t -t mangle -A FORWARD -i sbx+ -o sbx+ -j SBX-ISOLATE; }");
}

std::string allow_bridge_script(const std::string& bridge_var) {
  const std::string& b = bridge_var;
  return for_each_firewall("{ $t -t mangle -C SBX-ISOLATE -i " + b + " -o " + b +
                           " -j RETURN 2>/dev/null || $t -t mangle -I SBX-ISOLATE -i " + b +
                           " -o " + b + " -j RETURN; }");
}

}  // namespace sbx::net::detail
