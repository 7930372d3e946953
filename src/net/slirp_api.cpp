// slirp4netns's API socket: one JSON request per connection, the answer read
// to EOF.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/net/slirp.hpp"
#include "unix_socket.hpp"

namespace sbx::net {
namespace {

constexpr int kReplyTimeoutMs = 5000;

Result<std::string> read_reply(int fd, const std::filesystem::path& path) {
  std::string reply;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, kReplyTimeoutMs);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return fail("slirp4netns API " + path.string() + ": no answer");
    if (n < 0) return fail_errno("poll", path.native());
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail_errno("read", path.native());
    if (got == 0) return reply;
    reply.append(buf, static_cast<size_t>(got));
  }
}

}  // namespace

Result<std::string> slirp_api_request(const std::filesystem::path& socket,
                                      const std::string& request_json) {
  UniqueFd fd = SBX_TRY(connect_unix(socket, SOCK_STREAM));
  SBX_TRY(write_all(fd.get(), request_json));
  if (::shutdown(fd.get(), SHUT_WR) < 0) return fail_errno("shutdown", socket.native());
  std::string reply = SBX_TRY(read_reply(fd.get(), socket));
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return fail("slirp4netns API: unexpected answer '" + reply + "'");
  if (auto e = json.find("error"); e != json.end()) {
    std::string desc = e->is_object() ? e->value("desc", e->dump()) : e->dump();
    return fail("slirp4netns API: " + desc);
  }
  if (auto r = json.find("return"); r != json.end()) return r->dump();
  return json.dump();
}

Status Slirp4netns::add_hostfwd(const PortRequest& port) const {
  nlohmann::json request = {{"execute", "add_hostfwd"},
                            {"arguments",
                             {{"proto", port.protocol},
                              {"host_addr", port.host_ip.empty() ? "0.0.0.0" : port.host_ip},
                              {"host_port", port.host_port},
                              {"guest_port", port.container_port}}}};
  auto reply = slirp_api_request(api_socket(), request.dump());
  if (reply) return {};
  std::string name = (port.host_ip.empty() ? "" : port.host_ip + ":") +
                     std::to_string(port.host_port) + "/" + port.protocol;
  return fail(std::move(reply.error())
                  .context("publish host port " + name)
                  .with_hint("the port may have been taken since it was checked: pick another"));
}

}  // namespace sbx::net
