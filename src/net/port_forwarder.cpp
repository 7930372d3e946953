#include "port_forwarder.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "unix_socket.hpp"

namespace sbx::net::detail {
namespace {

constexpr int kForwarderReplyMs = 5000;

// One request (with `fd` when >= 0) and the forwarder's answer.
Status ask_forwarder(int control, const std::filesystem::path& socket, const std::string& request,
                     int fd) {
  iovec iov{const_cast<char*>(request.data()), request.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(int))]{};
  if (fd >= 0) {
    msg.msg_control = space;
    msg.msg_controllen = sizeof space;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  if (::sendmsg(control, &msg, MSG_NOSIGNAL) < 0) return fail_errno("sendmsg", socket.native());
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
