// The container side of user-defined networks: which containers use one,
// its JSON for `network inspect`, and its removal (refused while in use
// unless forced, which removes those containers first as podman does).
#pragma once

#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/net/networks.hpp"

namespace sbx::containers {

// `network inspect`: one JSON object per network (name, id, driver,
// network_interface, subnets, internal, labels, created, containers).
Result<std::string> inspect_networks_json(const Containers& containers,
                                          const std::vector<net::NetworkConfig>& networks);

// `network ls --format json` (no containers) and the table.
std::string networks_json(const std::vector<net::NetworkConfig>& networks);
std::string networks_table(const std::vector<net::NetworkConfig>& networks);

// Names of the containers (running or not) whose spec names `network`.
Result<std::vector<std::string>> containers_on_network(const Containers& containers,
                                                       const std::string& network);

// `network rm`: refused while a container uses it, unless `force`.
Status remove_network(const Containers& containers, const std::string& name, bool force);

// `network connect [--alias A] [--ip IP] NETWORK CONTAINER`: a running
// container on networks of the user's namespace gets one more; its spec
// records it (network rm and inspect see it).
Status connect_network(const Containers& containers, const std::string& network,
                       const std::string& container, const net::NetworkAttachRequest& request);
// `network disconnect NETWORK CONTAINER`: the reverse, for a running one.
Status disconnect_network(const Containers& containers, const std::string& network,
                          const std::string& container);

// `network prune`: removes every network no container names; their names.
Result<std::vector<std::string>> prune_networks(const Containers& containers);

}  // namespace sbx::containers
