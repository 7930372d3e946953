#include "console_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string_view>

#include "sandbox/base/sync_message.hpp"

namespace sbx::oci {

Result<UniqueFd> connect_console_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return fail("--console-socket: path too long: " + path, ENAMETOOLONG);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", path);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    return fail_errno("connect to the console socket", path);
  return fd;
}

Status send_pty_master(int socket, int master) {
  // runc sends the terminal's name as the payload; receivers use only the fd.
  constexpr std::string_view kName = "/dev/ptmx";
  if (send_with_fd(socket, kName.data(), kName.size(), master) < 0)
    return fail_errno("send the pty master to", "the console socket");
  return {};
}

}  // namespace sbx::oci
