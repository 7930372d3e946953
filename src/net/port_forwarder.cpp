#include "port_forwarder.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>


#include "sandbox/base/sync_message.hpp"
#include "sandbox/net/ports.hpp"
#include "unix_socket.hpp"

namespace sbx::net::detail {
namespace {

constexpr int kForwarderReplyMs = 5000;

// One request (with `fd` when >= 0) and the forwarder's answer.
Status ask_forwarder(int control, const std::filesystem::path& socket, const std::string& request,
                     int fd) {
  if (ssize_t sent = send_with_fd(control, request.data(), request.size(), fd); sent < 0)
    return fail_errno("sendmsg", socket.native(), static_cast<int>(-sent));
  pollfd p{control, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, kForwarderReplyMs)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return fail("port forwarder " + socket.string() + ": no answer");
  char reply[256];
  ssize_t n = ::recv(control, reply, sizeof reply, 0);
  if (n < 0) return fail_errno("recv", socket.native());
  std::string answer(reply, static_cast<size_t>(n));
  if (answer != "ok") return fail("port forwarder: " + (answer.empty() ? "no answer" : answer));
  return {};
}

}  // namespace

Result<std::vector<ForwardedPort>> listen_tcp_ports(const std::vector<PortRequest>& ports) {
  std::vector<ForwardedPort> out;
  for (const auto& p : ports) {
    if (p.protocol != "tcp") continue;
    ForwardedPort f;
    f.listener = SBX_TRY(listen_host_port(p));
    f.target_port = p.container_port;
    f.name = (p.host_ip.empty() ? "" : p.host_ip + ":") + std::to_string(p.host_port) + "/tcp";
    out.push_back(std::move(f));
  }
  return out;
}

Status forwarder_add(const std::filesystem::path& socket, const std::string& id,
                     std::vector<ForwardedPort>& ports) {
  UniqueFd control = SBX_TRY(connect_unix(socket, SOCK_SEQPACKET));
  for (auto& port : ports) {
    std::string request =
        "add " + id + " " + port.target_ip + " " + std::to_string(port.target_port);
    SBX_TRY_CTX(ask_forwarder(control.get(), socket, request, port.listener.get()),
                "publish " + port.name);
    port.listener.reset();
  }
  return {};
}

Status forwarder_remove(const std::filesystem::path& socket, const std::string& id) {
  UniqueFd control = SBX_TRY(connect_unix(socket, SOCK_SEQPACKET));
  return ask_forwarder(control.get(), socket, "remove " + id, -1);
}

}  // namespace sbx::net::detail

namespace sbx::net {

Result<ChildProcess> forward_tcp_ports(const std::filesystem::path& control_socket,
                                       const std::vector<PortRequest>& ports,
                                       const std::string& target_ip,
                                       const std::function<Result<pid_t>(int control)>& start) {
  auto tcp = SBX_TRY(detail::listen_tcp_ports(ports));
  if (tcp.empty()) return ChildProcess{};
  UniqueFd control = SBX_TRY(listen_unix(control_socket, SOCK_SEQPACKET));
  ChildProcess forwarder(SBX_TRY(start(control.get())));
  control.reset();
  for (auto& f : tcp) f.target_ip = target_ip;
  Status added = detail::forwarder_add(control_socket, "container", tcp);
  ::unlink(control_socket.c_str());  // nobody else talks to it
  if (!added) return std::unexpected(added.error());
  return forwarder;
}

}  // namespace sbx::net
