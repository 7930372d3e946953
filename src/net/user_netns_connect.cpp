// `network connect` and `network disconnect` of a running container: one
// network more or less in its network namespace, set up or torn down by
// netavark in the per-user namespace (which also updates aardvark-dns's
// names), and recorded in the container's record there (containers/<id>.json:
// "networks" for addresses, "options" for what its start set up,
// "connected" for what connect added).
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/net/user_netns.hpp"
#include "user_netns_detail.hpp"

namespace sbx::net {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// $1 the container's netns (bind mount), $2 netavark, $3 its config dir,
// $4 aardvark-dns, $5 setup|teardown, $6 the bridge (setup).
std::string netavark_script() {
  return "if [ \"$5\" = setup ]; then " + detail::allow_bridge_script("\"$6\"") +
         "; fi\n"
         "exec \"$2\" --config \"$3\" --rootless true --aardvark-binary \"$4\" \"$5\" \"$1\"";
}

struct Attached {
  fs::path file;
  json record;
  UserNetnsState state;
};

Result<Attached> read_attached(const fs::path& dir, const std::string& id,
                               const std::string& name) {
  Attached a{dir / "containers" / (id + ".json"), {}, {}};
  auto text = read_file(a.file);
  auto state = live_user_netns(dir);
  if (!text || !state)
    return fail(Error("container " + name + " is not running on a network of yours")
                    .with_hint("start it with --network NAME first: connect adds networks to a "
                               "container that has one"));
  a.state = *state;
  a.record = json::parse(*text, nullptr, false);
  if (!a.record.is_object() || !a.record["networks"].is_object())
    return fail("network record of " + name + " (" + a.file.string() + "): not a JSON object");
  return a;
}

// The first ethN no network of the container uses.
std::string free_interface(const json& record) {
  std::vector<std::string> used;
  auto collect = [&](const json& options) {
    if (!options.is_object() || !options["networks"].is_object()) return;
    for (const auto& [network, n] : options["networks"].items())
      used.push_back(n.value("interface_name", ""));
  };
  collect(record["options"]);
  if (record.contains("connected"))
    for (const auto& [network, setup] : record["connected"].items()) collect(setup);
  for (int i = 0;; ++i) {
    std::string name = "eth" + std::to_string(i);
    if (std::find(used.begin(), used.end(), name) == used.end()) return name;
  }
}

Status run_netavark(const fs::path& dir, pid_t holder, const std::string& id,
                    const std::string& verb, const std::string& bridge, const json& options) {
  // Looked up first: no SBX_TRY inside a braced list (GCC 12 -O2 warns on the early return).
  std::string netavark = SBX_TRY(find_netavark());
  std::string aardvark = SBX_TRY(find_aardvark_dns());
  std::vector<std::string> args{
      (dir / "netns" / id).string(), netavark, (dir / "netavark").string(), aardvark, verb, bridge};
  auto ran = SBX_TRY_CTX(detail::run_in_netns(holder, netavark_script(), args, options.dump()),
                         "nsenter netavark " + verb);
  if (!ran.succeeded())
    return fail(Error("netavark " + verb + " failed: " + detail::last_error(ran))
                    .with_hint("sandbox system check shows whether networks can work here"));
  return {};
}

// What the container's start set up for `network` alone, with its ports.
json initial_options_for(const json& options, const std::string& network) {
  json one = options;
  one["networks"] = {{network, options.value("networks", json::object()).value(network, json())}};
  one["network_info"] = {
      {network, options.value("network_info", json::object()).value(network, json())}};
  return one;
}

}  // namespace

Result<NetworkAttachment> connect_container(const fs::path& dir, const std::string& id,
                                            const std::string& name, const NetworkConfig& network,
                                            const NetworkAttachRequest& request) {
  auto lock = SBX_TRY(FileLock::acquire(dir / "lock", FileLock::Mode::kExclusive));
  auto a = SBX_TRY(read_attached(dir, id, name));
  if (a.record["networks"].contains(network.name))
    return fail(Error("container " + name + " is already connected to network " + network.name)
                    .with_hint("disconnect it first to change its address or aliases"));
  auto ips = SBX_TRY(detail::claim_addresses(dir, network, request, id));
  NetworkAttachment attachment{network, request.aliases, ips[0], ips.size() > 1 ? ips[1] : "",
                               free_interface(a.record)};
  std::string dns_name = a.record.value("name", name);
  json setup = detail::netavark_options_for(id, dns_name, attachment);
  auto release = [&] {
    for (const auto& ip : ips) ::unlink((dir / "ips" / network.name / ip).c_str());
  };
  if (auto ran = run_netavark(dir, a.state.holder_pid, id, "setup", network.bridge, setup); !ran) {
    release();
    return fail(std::move(ran.error()));
  }
  a.record["networks"][network.name] = {{"static_ips", ips}};
  a.record["connected"][network.name] = setup;
  SBX_TRY(write_file_atomic(a.file, a.record.dump(), 0600, Durability::kVolatile));
  return attachment;
}

Status disconnect_container(const fs::path& dir, const std::string& id, const std::string& name,
                            const std::string& network) {
  auto lock = SBX_TRY(FileLock::acquire(dir / "lock", FileLock::Mode::kExclusive));
  auto a = SBX_TRY(read_attached(dir, id, name));
  if (!a.record["networks"].contains(network))
    return fail(Error("container " + name + " is not connected to network " + network)
                    .with_hint("sandbox inspect " + name + " shows its networks"));
  json& connected = a.record["connected"];
  bool added = connected.is_object() && connected.contains(network);
  json setup = added ? connected[network] : initial_options_for(a.record["options"], network);
  SBX_TRY(run_netavark(dir, a.state.holder_pid, id, "teardown", "", setup));
  if (added) {
    connected.erase(network);
  } else {
    a.record["options"]["networks"].erase(network);
    a.record["options"]["network_info"].erase(network);
  }
  json gone = {{"networks", {{network, a.record["networks"][network]}}}};
  detail::release_addresses(dir, gone);
  a.record["networks"].erase(network);
  return write_file_atomic(a.file, a.record.dump(), 0600, Durability::kVolatile);
}

}  // namespace sbx::net
