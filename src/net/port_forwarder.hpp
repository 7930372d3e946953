// The client side of sandbox-portfwd (helpers/portfwd/portfwd.c), the
// forwarder of published TCP ports on user networks: one per user network
// namespace, reached at its control socket (SOCK_SEQPACKET).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/net/config.hpp"

namespace sbx::net::detail {

// A host port's listening socket and where its connections go.
struct ForwardedPort {
  UniqueFd listener;
  std::string target_ip;  // the container's address on its bridge
  uint16_t target_port = 0;
  std::string name;  // "host port 127.0.0.1:8080/tcp", for errors
};

// The host ports' listening sockets for the TCP ports of `ports` (bound
// first: a port in use is an error before anything is set up); target_ip
// left empty.
Result<std::vector<ForwardedPort>> listen_tcp_ports(const std::vector<PortRequest>& ports);

// Hands the listeners to the forwarder under the container's `id` (our
// copies are closed on return: the forwarder's are the only ones left).
Status forwarder_add(const std::filesystem::path& socket, const std::string& id,
                     std::vector<ForwardedPort>& ports);

// Closes the listeners of `id` in the forwarder: the host ports are free.
Status forwarder_remove(const std::filesystem::path& socket, const std::string& id);

}  // namespace sbx::net::detail
