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
  std::string last;
  for (const auto& line : split(r.err + "\n" + r.out, '\n'))
    if (!trim(line).empty()) last = std::string(trim(line));
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
  auto claim = [&](uint32_t a) -> bool {
    UniqueFd fd(
        ::open((ips / format_ipv4(a)).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return false;
    (void)write_all(fd.get(), id);
    return true;
  };
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

std::string allow_bridge_script(const std::string& bridge_var) {
  return "iptables -t mangle -C SBX-ISOLATE -i " + bridge_var + " -o " + bridge_var +
         " -j RETURN 2>/dev/null || iptables -t mangle -I SBX-ISOLATE -i " + bridge_var + " -o " +
         bridge_var + " -j RETURN";
}

}  // namespace sbx::net::detail
