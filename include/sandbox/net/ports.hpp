// Host ports for -p, checked on the host before slirp4netns binds them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/net/config.hpp"

namespace sbx::net {

// Binds the port as slirp4netns would and lets it go: "already in use" and
// "below net.ipv4.ip_unprivileged_port_start" become errors with a hint.
Status check_host_port(const PortRequest& port);

// A TCP socket listening on the host port (SO_REUSEADDR), with the errors
// of check_host_port: what the port forwarder of user networks accepts on.
Result<UniqueFd> listen_host_port(const PortRequest& port);

// A port the kernel picks as free for `protocol` on `host_ip` ("" = all).
Result<uint16_t> choose_free_port(const PortRequest& port);

// The TCP ports of `ports` (host ports resolved) through a sandbox-portfwd of
// their own: binds their host ports first (errors as check_host_port), then
// starts the forwarder with `start(control)` on a control socket made at
// `control_socket` (removed again once the ports are handed over) and hands
// it the listeners, each to target_ip:container_port. The forwarder, killed
// and reaped on destruction; none (no child) when `ports` has no TCP port.
Result<ChildProcess> forward_tcp_ports(const std::filesystem::path& control_socket,
                                       const std::vector<PortRequest>& ports,
                                       const std::string& target_ip,
                                       const std::function<Result<pid_t>(int control)>& start);

// net.ipv4.ip_unprivileged_port_start (1024 when unreadable).
int unprivileged_port_start();

}  // namespace sbx::net
