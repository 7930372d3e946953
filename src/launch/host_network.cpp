#include "host_network.hpp"

#include "port_forwarder_process.hpp"
#include "sandbox/net/ports.hpp"
#include "sandbox/net/user_netns.hpp"

namespace sbx::launch {
namespace {

containers::PortBinding binding_of(const net::PortRequest& p) {
  return {p.host_ip.empty() ? "0.0.0.0" : p.host_ip, p.host_port, p.container_port, p.protocol};
}

// A failed add_hostfwd says only "failed": ask the kernel why.
Status publish(const net::Slirp4netns& slirp, const net::PortRequest& port) {
  auto added = slirp.add_hostfwd(port);
  if (added) return {};
  SBX_TRY(net::check_host_port(port));
  return added;
}

}  // namespace

void NetworkAttachment::describe(containers::RuntimeState& state) const {
  state.slirp_pid = helper_pid();
  state.slirp_api_socket = slirp_ ? slirp_->api_socket().string() : "";
  state.ports = ports_;
}

void NetworkAttachment::hold_user_networks(UserNetworkLease lease) {
  for (const auto& port : lease.ports()) ports_.push_back(binding_of(port));
  user_ = std::move(lease);
}

void NetworkAttachment::release() {
  user_.release();
  forwarder_.release();
  if (slirp_) slirp_->release();
}

Status check_network_host(const containers::ContainerSpec& spec) {
  bool bridge = spec.network == containers::NetworkMode::kBridge;
  if (spec.network != containers::NetworkMode::kSlirp4netns && !bridge) return {};
  if (bridge) SBX_TRY(net::find_netavark());
  if (bridge) SBX_TRY(net::find_aardvark_dns());
  SBX_TRY(net::find_slirp4netns());
  SBX_TRY(net::check_tun_usable());
  for (const auto& port : spec.ports)
    if (port.host_port != 0) SBX_TRY(net::check_host_port(port));
  return {};
}

Status NetworkAttachment::attach() {
  if (!slirp_) return {};
  SBX_TRY(slirp_->wait_ready());
  std::vector<net::PortRequest> tcp;
  for (net::PortRequest port : requested_) {
    if (port.host_port == 0) port.host_port = SBX_TRY(net::choose_free_port(port));
    if (port.protocol == "tcp")
      tcp.push_back(port);  // bound below, by us
    else
      SBX_TRY(publish(*slirp_, port));  // UDP: slirp4netns's hostfwd
    ports_.push_back(binding_of(port));
  }
  requested_.clear();
  // TCP as podman's rootlessport: our listeners on the host ports, handed to
  // a forwarder in the container's namespaces that connects to its address.
  pid_t target = target_.container_pid;
  forwarder_ = SBX_TRY(net::forward_tcp_ports(slirp_->api_socket().parent_path() / "portfwd.sock",
                                              tcp, target_.address, [target](int control) {
                                                return start_port_forwarder(
                                                    target, control, ForwarderLife::kDiesWithUs);
                                              }));
  return {};
}

Result<NetworkAttachment> start_network(const containers::ContainerSpec& spec, pid_t container_pid,
                                        const std::filesystem::path& runtime_dir) {
  if (spec.network != containers::NetworkMode::kSlirp4netns) return NetworkAttachment{};
  std::string program = SBX_TRY(net::find_slirp4netns());
  auto addresses = SBX_TRY(net::slirp_addresses(spec.slirp.cidr));
  net::SlirpLaunch launch{std::move(program), container_pid, spec.slirp, runtime_dir};
  auto slirp = SBX_TRY(net::Slirp4netns::spawn(launch));
  return NetworkAttachment(std::move(slirp), spec.ports,
                           ForwardTarget{container_pid, std::move(addresses.guest)});
}

Result<NetworkAttachment> attach_network(const containers::ContainerSpec& spec, pid_t container_pid,
                                         const std::filesystem::path& runtime_dir) {
  auto network = SBX_TRY(start_network(spec, container_pid, runtime_dir));
  SBX_TRY(network.attach());
  return network;
}

bool network_helper_alive(const containers::RuntimeState& state) {
  return net::slirp_alive(state.slirp_pid, state.pid);
}

}  // namespace sbx::launch
