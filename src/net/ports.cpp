#include "sandbox/net/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::net {
namespace {

struct HostAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

Result<HostAddress> host_address(const PortRequest& p, uint16_t port) {
  HostAddress a;
  std::string ip = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof *v6;
  } else {
    return fail("invalid host address '" + ip + "'");
  }
  return a;
}

std::string port_name(const PortRequest& p, uint16_t port) {
  std::string where = p.host_ip.empty() ? "" : p.host_ip + ":";
  return "host port " + where + std::to_string(port) + "/" + p.protocol;
}

// Binds like slirp4netns does (SO_REUSEADDR for TCP); returns the socket.
Result<UniqueFd> bind_port(const PortRequest& p, uint16_t port) {
  auto addr = SBX_TRY(host_address(p, port));
  int type = p.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(::socket(addr.storage.ss_family, type | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", port_name(p, port));
  int on = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr.storage), addr.length) < 0)
    return fail(Error::from_errno("bind", port_name(p, port)));
  return fd;
}

}  // namespace

int unprivileged_port_start() {
  auto text = read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  int value = 1024;
  if (text) {
    auto t = trim(*text);
    std::from_chars(t.data(), t.data() + t.size(), value);
  }
  return value;
}

namespace {

// Why `p` could not be bound, said with what to do.
Error explain_bind_failure(const PortRequest& p, Error bound) {
  int err = bound.errno_value();
  std::string name = port_name(p, p.host_port);
  if (err == EADDRINUSE)
    return Error(name + " is already in use", err)
        .with_hint("publish on another host port (-p OTHER:" + std::to_string(p.container_port) +
                   ") or stop what listens on " + std::to_string(p.host_port));
  if (err == EACCES && p.host_port < unprivileged_port_start())
    return Error(name + ": ports below " + std::to_string(unprivileged_port_start()) +
                     " need privilege (net.ipv4.ip_unprivileged_port_start)",
                 err)
        .with_hint("use a host port >= " + std::to_string(unprivileged_port_start()) +
                   ", or as root: sysctl net.ipv4.ip_unprivileged_port_start=" +
                   std::to_string(p.host_port));
  if (err == EADDRNOTAVAIL)
    return Error(name + ": " + p.host_ip + " is not an address of this host", err)
        .with_hint("publish on 0.0.0.0, 127.0.0.1 or one of the host's addresses");
  return bound;
}

}  // namespace

Status check_host_port(const PortRequest& p) {
  auto bound = bind_port(p, p.host_port);
  if (bound) return {};
  return fail(explain_bind_failure(p, std::move(bound.error())));
}

Result<UniqueFd> listen_host_port(const PortRequest& p) {
  auto bound = bind_port(p, p.host_port);
  if (!bound) return fail(explain_bind_failure(p, std::move(bound.error())));
  if (::listen(bound->get(), SOMAXCONN) < 0) return fail_errno("listen", port_name(p, p.host_port));
  return std::move(*bound);
}

Result<uint16_t> choose_free_port(const PortRequest& p) {
  auto fd = SBX_TRY(bind_port(p, 0));
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    return fail_errno("getsockname", port_name(p, 0));
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace sbx::net
