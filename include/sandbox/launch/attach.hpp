// `attach` and `start -a`: a client of the monitor's attach socket
// (helpers/monitor/monitor.c says the wire: SOCK_SEQPACKET, output as
// {stream byte, bytes}, a flags byte first, then input and window sizes).
#pragma once

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::launch {

// <runtime dir>/attach, the monitor's socket.
std::filesystem::path attach_socket_path(const std::filesystem::path& runtime_dir);

// The launcher's side: binds and listens on attach_socket_path (mode 0600,
// in the user's 0700 run dir; a stale one is replaced). The path may be
// longer than sun_path: it is reached through /proc/self/fd.
Result<UniqueFd> listen_attach_socket(const std::filesystem::path& runtime_dir);

struct AttachOptions {
  bool input = false;        // forward our stdin (when the container keeps stdin)
  bool close_stdin = false;  // the end of our stdin closes the container's (start -ai)
  bool sig_proxy = true;     // SIGINT, SIGTERM, ... go to the container's PID 1
  // What detaches (parse_detach_keys); "": nothing. Looked for with a terminal.
  std::string detach_keys = "\x10\x11";  // ctrl-p ctrl-q
};

// Streams the running container's output to our stdout/stderr (and our
// stdin to it) until it ends, then returns its exit code once recorded; or
// 0 when the user detached (the detach keys, with a terminal). An error when the
// container does not run, or runs without a monitor (a foreground run).
Result<int> attach_container(const containers::Containers& containers, const std::string& id,
                             const AttachOptions& options);

}  // namespace sbx::launch
