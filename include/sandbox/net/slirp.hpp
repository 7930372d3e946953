// slirp4netns for one container's network namespace: started with
// --configure and --ready-fd, driven through its API socket (add_hostfwd),
// killed and reaped by the destructor unless released to a monitor.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/net/config.hpp"

namespace sbx::net {

struct SlirpLaunch {
  std::string program;   // absolute path (find_slirp4netns)
  pid_t target_pid = 0;  // a process in the namespaces (the container's PID 1)
  SlirpOptions options;
  std::filesystem::path dir;  // the container's runtime dir: API socket and log live here
  // It outlives us (the per-user network namespace's): no death signal.
  bool detached = false;
};

class Slirp4netns {
 public:
  static constexpr const char* kSocketName = "slirp.sock";
  static constexpr const char* kLogName = "slirp4netns.log";

  // Starts it and waits until tap0 is configured (spawn + wait_ready).
  static Result<Slirp4netns> start(const SlirpLaunch& launch);
  // Starts it without waiting: it can come up while the container sets itself
  // up (it needs the id maps written: it joins the user namespace as root).
  static Result<Slirp4netns> spawn(const SlirpLaunch& launch);
  // Waits until tap0 is configured; an early exit is an error quoting its last log line.
  Status wait_ready();

  Slirp4netns(Slirp4netns&&) noexcept = default;
  Slirp4netns& operator=(Slirp4netns&&) noexcept = default;
  ~Slirp4netns();

  pid_t pid() const { return process_.pid(); }
  std::filesystem::path api_socket() const { return dir_ / kSocketName; }
  // Forwards host_ip:host_port to the container (port 0 must be resolved first).
  Status add_hostfwd(const PortRequest& port) const;
  // The monitor ends it from now on; the destructor leaves it running.
  void release();
  // Once the container is gone: SIGKILLs it without waiting for its exit,
  // which overlaps the caller's own clean-up (the destructor reaps it). A
  // packet the container sent just before it ended may still be on its way
  // through slirp4netns, which it woke: it gets up to 100 ms to go back to
  // sleep (it seldom needs one) before the kill.
  void begin_stop() const;

 private:
  Slirp4netns(ChildProcess process, std::filesystem::path dir, UniqueFd ready)
      : process_(std::move(process)), dir_(std::move(dir)), ready_(std::move(ready)) {}
  ChildProcess process_;
  std::filesystem::path dir_;
  UniqueFd ready_;  // read end of --ready-fd until wait_ready
};

// slirp4netns in PATH, or an error saying what to install.
Result<std::string> find_slirp4netns();
// /dev/net/tun opens read-write, or an error saying what to fix.
Status check_tun_usable();

// One request on a slirp4netns API socket; returns the "return" member as
// JSON text, or the "error" desc as an Error. Works for paths longer than
// sun_path (through /proc/self/fd).
Result<std::string> slirp_api_request(const std::filesystem::path& socket,
                                      const std::string& request_json);

// Whether `pid` is still a live slirp4netns serving `container_pid`'s
// namespace (a reused pid runs something else: its command line tells).
bool slirp_alive(pid_t pid, pid_t container_pid);

}  // namespace sbx::net
