// Host ports for -p, checked on the host before slirp4netns binds them.
#pragma once

#include <cstdint>

#include "sandbox/base/error.hpp"
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

// net.ipv4.ip_unprivileged_port_start (1024 when unreadable).
int unprivileged_port_start();

}  // namespace sbx::net
