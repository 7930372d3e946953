// Pieces of the per-user network namespace shared by its attach/detach
// (user_netns.cpp) and connect/disconnect (user_netns_connect.cpp): running a
// command in the namespace and the address files of each network.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/net/networks.hpp"

namespace sbx::net::detail {

// Runs `script` (sh -c) as root in the holder's user, mount and net namespaces.
Result<CommandResult> run_in_netns(pid_t holder, const std::string& script,
                                   const std::vector<std::string>& args,
                                   std::optional<std::string> input);

// The error netavark (or the last line of another tool) printed.
std::string last_error(const CommandResult& r);

// The requested or the first free host address of `network`, claimed by
// creating ips/<network>/<ip> exclusively.
Result<std::string> claim_address(const std::filesystem::path& dir, const NetworkConfig& network,
                                  const std::string& requested, const std::string& id);

// claim_address (of request.ip), and on a dual-stack network an IPv6
// address too (request.ip6 or the first free one): [v4, v6]. request.ip6 on
// an IPv4-only network is an error.
Result<std::vector<std::string>> claim_addresses(const std::filesystem::path& dir,
                                                 const NetworkConfig& network,
                                                 const NetworkAttachRequest& request,
                                                 const std::string& id);

// Frees the addresses a container record's "networks" hold.
void release_addresses(const std::filesystem::path& dir, const nlohmann::json& record);

// netavark's JSON for one network of a container (no ports): what
// `network connect` sets up and `network disconnect` tears down.
nlohmann::json netavark_options_for(const std::string& id, const std::string& name,
                                    const NetworkAttachment& attachment);

// The SBX-ISOLATE chains (IPv4 and IPv6) that drop what goes from one bridge
// to another, as shell.
std::string isolate_networks_script();
// The bridge rules of SBX-ISOLATE that let traffic stay on `bridge_var`, as shell.
std::string allow_bridge_script(const std::string& bridge_var);

}  // namespace sbx::net::detail
