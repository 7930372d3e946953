// A container's place on user-defined networks: the per-user network
// namespace started (or repaired) on first use, netavark's setup for the
// container, and its teardown when the container ends. Private to launch.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {

// Detaches the container from its networks on destruction unless released
// (then `container cleanup` or the foreground run's finish detaches it).
class UserNetworkLease {
 public:
  UserNetworkLease() = default;
  UserNetworkLease(std::filesystem::path dir, std::string id, std::vector<net::PortRequest> ports)
      : dir_(std::move(dir)), id_(std::move(id)), ports_(std::move(ports)) {}
  UserNetworkLease(UserNetworkLease&& o) noexcept
      : dir_(std::exchange(o.dir_, {})),
        id_(std::exchange(o.id_, {})),
        ports_(std::exchange(o.ports_, {})) {}
  UserNetworkLease& operator=(UserNetworkLease&& o) noexcept;
  ~UserNetworkLease();
  void release() { id_.clear(); }
  // The ports published for the container (host port 0 resolved), for its state.
  const std::vector<net::PortRequest>& ports() const { return ports_; }

 private:
  std::filesystem::path dir_;
  std::string id_;
  std::vector<net::PortRequest> ports_;
};

// Attaches the running child `container_pid` (waiting for the host side) to
// plan.user_networks with the spec's aliases, addresses and ports.
Result<UserNetworkLease> attach_user_networks(const LaunchPlan& plan,
                                              const containers::ContainerSpec& spec,
                                              pid_t container_pid);

}  // namespace sbx::launch
