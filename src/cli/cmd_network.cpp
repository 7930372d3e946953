// `sandbox port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports of a
// running container, as docker prints them ("80/tcp -> 0.0.0.0:8080").
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::cli {
namespace {

struct PortCommand {
  std::string container;
  std::string filter;  // "80" or "80/udp"; empty: all
};

bool matches(const containers::PortBinding& p, const std::string& filter) {
  if (filter.empty()) return true;
  std::string port = std::to_string(p.container_port);
  return filter == port || filter == port + "/" + p.protocol;
}

CommandResult print_ports(const PortCommand& cmd, const GlobalOptions& globals) {
  auto containers = SBX_TRY(containers::Containers::open(globals.root));
  auto id = SBX_TRY(containers.resolve(cmd.container));
  auto info = SBX_TRY(containers.info(id));
  if (info.status != containers::ContainerStatus::kRunning || !info.runtime)
    return fail(Error("container " + cmd.container + " is not running")
                    .with_hint("its ports are published only while it runs"));
  bool any = false;
  for (const auto& p : info.runtime->ports) {
    if (!matches(p, cmd.filter)) continue;
    any = true;
    if (cmd.filter.empty())
      std::printf("%u/%s -> %s:%u\n", p.container_port, p.protocol.c_str(), p.host_ip.c_str(),
                  p.host_port);
    else
      std::printf("%s:%u\n", p.host_ip.c_str(), p.host_port);
  }
  if (!any && !cmd.filter.empty())
    return fail("no public port '" + cmd.filter + "' published for " + cmd.container);
  return 0;
}

}  // namespace

void register_network_commands(Registry& registry) {
  auto cmd = std::make_shared<PortCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("port", "List the published ports of a container",
                               [cmd, &globals] { return print_ports(*cmd, globals); });
  sub->add_option("CONTAINER", cmd->container, "Container name or id")->required();
  sub->add_option("PRIVATE_PORT", cmd->filter, "Only this container port (80 or 80/udp)");
}

}  // namespace sbx::cli
