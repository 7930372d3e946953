// The per-user network namespace that holds the bridges of user-defined
// networks (podman's rootless-netns): a holder process in the pause process's
// user namespace with a network and mount namespace of its own, joined to the
// host by one slirp4netns; netavark (run in it through nsenter) makes the
// bridges, veth pairs and NAT rules, and starts aardvark-dns for names. It is
// made by the first container on a network and ended with the last.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/net/networks.hpp"

namespace sbx::net {

// Pids of the processes that keep one user network namespace.
struct UserNetnsState {
  pid_t holder_pid = 0;
  uint64_t holder_start = 0;
  pid_t slirp_pid = 0;
  uint64_t slirp_start = 0;
  pid_t forwarder_pid = 0;  // sandbox-portfwd, started by the first published TCP port
  uint64_t forwarder_start = 0;
};

// <runtime root>/netns-<hash of the store root>: one per user and store.
Result<std::filesystem::path> user_netns_dir(const std::filesystem::path& store_root);

// netavark and aardvark-dns ($SANDBOX_NETAVARK and $SANDBOX_AARDVARK_DNS when
// set, else podman's libexec dirs, else PATH), or an error saying what to install.
Result<std::string> find_netavark();
Result<std::string> find_aardvark_dns();

// Starts what is missing of the namespace (the caller holds the lock):
// `holder` makes the holder when it is dead (returning its pid), `slirp`
// (re)starts slirp4netns for a live holder, `forwarder` starts the port
// forwarder in the holder's user and network namespaces with `control` (its
// listening control socket) as its fd 3.
struct UserNetnsStarter {
  std::function<Result<pid_t>()> holder;
  std::function<Result<pid_t>(pid_t holder)> slirp;
  std::function<Result<pid_t>(pid_t holder, int control)> forwarder;
};

struct AttachResult {
  std::vector<NetworkAttachment> attachments;
  pid_t slirp_pid = 0;
};

// Under the namespace's lock: starts it if needed, chooses addresses, runs
// `netavark setup` for the container's network namespace (kept by a bind
// mount inside the holder's mount namespace until detach), publishes
// `ports`: TCP through the port forwarder (to the container's address on its
// first network), UDP through slirp4netns. A host port that cannot be bound
// is an error before anything is set up.
Result<AttachResult> attach_container(const std::filesystem::path& dir,
                                      const UserNetnsStarter& starter, pid_t container_pid,
                                      const std::string& container_id,
                                      const std::string& container_name,
                                      const std::vector<NetworkConfig>& networks,
                                      const std::vector<NetworkAttachRequest>& requests,
                                      const std::vector<PortRequest>& ports);

// `netavark teardown` for the container, its addresses freed; the namespace
// and its helpers end when no container is left. Nothing attached: no-op.
Status detach_container(const std::filesystem::path& dir, const std::string& container_id);

// `network connect`: one more network for a running container attached to
// the namespace (`name` for errors), set up by netavark in its netns.
Result<NetworkAttachment> connect_container(const std::filesystem::path& dir, const std::string& id,
                                            const std::string& name, const NetworkConfig& network,
                                            const NetworkAttachRequest& request);
// `network disconnect`: its interface on `network` torn down, the address
// and its names freed.
Status disconnect_container(const std::filesystem::path& dir, const std::string& id,
                            const std::string& name, const std::string& network);

// The containers attached to `network` now: id, name, address.
struct AttachedContainer {
  std::string id, name, ip, ip6;
};
std::vector<AttachedContainer> attached_containers(const std::filesystem::path& dir,
                                                   const std::string& network);

// Whether the live namespace's helpers run (for ps/inspect and tests).
std::optional<UserNetnsState> live_user_netns(const std::filesystem::path& dir);

}  // namespace sbx::net
