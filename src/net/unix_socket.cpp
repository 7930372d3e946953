#include "unix_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "sandbox/base/files.hpp"

namespace sbx::net {
namespace {

// The address of `path`; `dir` keeps its dir open when the path is too long
// for sun_path (then named as /proc/self/fd/N/NAME).
Result<sockaddr_un> unix_address(const std::filesystem::path& path, UniqueFd& dir) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string target = path.string();
  if (target.size() >= sizeof addr.sun_path) {
    dir = SBX_TRY(open_file(path.parent_path(), O_PATH | O_DIRECTORY));
    target = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + path.filename().string();
  }
  if (target.size() >= sizeof addr.sun_path)
    return fail(Error("unix socket path too long: " + path.string()));
  target.copy(addr.sun_path, sizeof addr.sun_path - 1);
  return addr;
}

}  // namespace

Result<UniqueFd> connect_unix(const std::filesystem::path& path, int type) {
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", path.native());
  UniqueFd dir;
  sockaddr_un addr = SBX_TRY(unix_address(path, dir));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return fail_errno("connect", path.native());
  return fd;
}

Result<UniqueFd> listen_unix(const std::filesystem::path& path, int type) {
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("socket", path.native());
  UniqueFd dir;
  sockaddr_un addr = SBX_TRY(unix_address(path, dir));
  ::unlink(path.c_str());
  // Others cannot reach it: it is made in one of our 0700 dirs.
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return fail_errno("bind", path.native());
  if (::listen(fd.get(), 16) < 0) return fail_errno("listen", path.native());
  return fd;
}

}  // namespace sbx::net
