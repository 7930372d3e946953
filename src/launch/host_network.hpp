// The host side of a container's network, made while the child
// waits in kWaitingForHost: slirp4netns for its net namespace, published
// ports (TCP through a sandbox-portfwd of the container's own, UDP through
// slirp4netns). Owned by the network work; run.cpp only calls attach_network.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/net/slirp.hpp"
#include "user_network.hpp"

namespace sbx::launch {

// Where a default-network container's published TCP ports go.
struct ForwardTarget {
  pid_t container_pid = 0;  // the forwarder joins its user and network namespaces
  std::string address;      // the container's slirp4netns address (10.0.2.100)
};

// What the host runs for one container's network. Ends it (kills and reaps
// slirp4netns and the port forwarder) on destruction unless released to a
// monitor.
class NetworkAttachment {
 public:
  NetworkAttachment() = default;
  NetworkAttachment(net::Slirp4netns slirp, std::vector<net::PortRequest> ports,
                    ForwardTarget target)
      : slirp_(std::move(slirp)), requested_(std::move(ports)), target_(std::move(target)) {}
  // Waits for slirp4netns started by start_network and publishes the ports.
  Status attach();
  // slirp4netns's pid (0 when none), for the state and the monitor.
  pid_t helper_pid() const { return slirp_ ? slirp_->pid() : 0; }
  // The port forwarder's pid (0 when no TCP port is published), for the monitor.
  pid_t forwarder_pid() const { return forwarder_ ? forwarder_.pid() : 0; }
  // Fills slirp_pid, slirp_api_socket and ports of `state`.
  void describe(containers::RuntimeState& state) const;
  // Hands the helper over (the monitor ends it); the destructor then leaves it.
  void release();
  // The container's user networks, detached by the destructor unless released;
  // their published ports join ports_.
  void hold_user_networks(UserNetworkLease lease);
  // Once the container is gone: starts ending slirp4netns (see
  // Slirp4netns::begin_stop) and kills the forwarder (reaped on destruction).
  void begin_stop() const {
    if (forwarder_) forwarder_.signal(SIGKILL);
    if (slirp_) slirp_->begin_stop();
  }

 private:
  std::optional<net::Slirp4netns> slirp_;
  std::vector<net::PortRequest> requested_;
  ForwardTarget target_;
  ChildProcess forwarder_;  // sandbox-portfwd for the TCP ports
  std::vector<containers::PortBinding> ports_;
  UserNetworkLease user_;
};

// While planning, before anything starts: slirp4netns installed, /dev/net/tun
// usable, every explicit host port free and bindable. Each failure is one
// error saying what to install or change.
Status check_network_host(const containers::ContainerSpec& spec);

// Starts slirp4netns without waiting for it, right after the id maps are
// written (it joins the user namespace as root): it comes up while the child
// mounts its rootfs, and NetworkAttachment::attach() then finds it ready.
// `runtime_dir` is the container's runtime dir (for the API socket).
Result<NetworkAttachment> start_network(const containers::ContainerSpec& spec, pid_t container_pid,
                                        const std::filesystem::path& runtime_dir);

// start_network + attach, in one step.
Result<NetworkAttachment> attach_network(const containers::ContainerSpec& spec, pid_t container_pid,
                                         const std::filesystem::path& runtime_dir);

// Whether the slirp4netns recorded in `state` still serves the container
// (false when the container has none). For ps/inspect: a dead one under a
// running container means it lost its network.
bool network_helper_alive(const containers::RuntimeState& state);

}  // namespace sbx::launch
