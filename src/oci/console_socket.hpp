// --console-socket: the engine's unix socket that receives the pty master
// (SCM_RIGHTS), as runc sends it.
#pragma once

#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::oci {

Result<UniqueFd> connect_console_socket(const std::string& path);
Status send_pty_master(int socket, int master);

}  // namespace sbx::oci
