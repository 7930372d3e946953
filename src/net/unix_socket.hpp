// Unix sockets at paths that may be longer than sun_path's 108 bytes (a
// runtime dir under a long $XDG_RUNTIME_DIR): reached through their dir's fd.
#pragma once

#include <filesystem>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::net {

// A socket of `type` (SOCK_STREAM, SOCK_SEQPACKET) connected to `path`.
Result<UniqueFd> connect_unix(const std::filesystem::path& path, int type);

// A socket of `type` bound at `path` (an old one there is replaced),
// listening. Make it in a dir only we can enter.
Result<UniqueFd> listen_unix(const std::filesystem::path& path, int type);

}  // namespace sbx::net
