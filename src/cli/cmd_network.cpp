// `sandbox port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports of a
// running container, as docker prints them ("80/tcp -> 0.0.0.0:8080").
// `sandbox network create|ls|inspect|rm|prune|connect|disconnect`:
// user-defined networks.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "go_template.hpp"
#include "sandbox/containers/networks.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/net/networks.hpp"

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

void add_network_create(Registry& registry) {
  auto o = std::make_shared<net::NetworkCreateOptions>();
  CLI::App* cmd = registry.add("network create", "Create a network",
                               [&globals = registry.globals(), o] -> CommandResult {
                                 auto networks = SBX_TRY(net::Networks::open(globals.root));
                                 auto network = SBX_TRY(networks.create(*o));
                                 std::printf("%s\n", network.name.c_str());
                                 return 0;
                               });
  cmd->add_option("NAME", o->name, "Network name")->required();
  cmd->add_option("--subnet", o->subnets,
                  "Subnet in CIDR form, one IPv4 and one IPv6 at most (default: a free "
                  "10.89.N.0/24, and with --ipv6 a random fdXX:XXXX:XXXX::/64)");
  cmd->add_option("--gateway", o->gateways,
                  "Gateway address of the subnet of its family (default: the subnet's first)");
  cmd->add_flag("--internal", o->internal, "No route out of the network");
  cmd->add_option("--label", o->labels, "KEY=VALUE label");
  cmd->add_flag("--ipv6", o->ipv6, "Dual-stack: an IPv6 subnet too (implied by an IPv6 --subnet)");
}

// A --filter name=X (substring), id=X (prefix), driver=bridge or
// label=K[=V]; "" keeps all.
bool network_matches(const net::NetworkConfig& n, const std::string& filter) {
  if (filter.starts_with("name=")) return n.name.find(filter.substr(5)) != std::string::npos;
  if (filter.starts_with("id=")) return n.id.starts_with(filter.substr(3));
  if (filter.starts_with("driver=")) return filter.substr(7) == "bridge";
  if (filter.starts_with("label=")) {
    std::string want = filter.substr(6);
    size_t eq = want.find('=');
    auto it = n.labels.find(want.substr(0, eq));
    return it != n.labels.end() && (eq == std::string::npos || it->second == want.substr(eq + 1));
  }
  return filter.empty();
}

// One row of `network ls --format TEMPLATE`: podman's field names.
nlohmann::json network_row(const net::NetworkConfig& n) {
  return {{"Name", n.name},
          {"ID", n.id.substr(0, 12)},
          {"Driver", "bridge"},
          {"Subnet", n.subnet},
          {"Gateway", n.gateway},
          {"Internal", n.internal},
          {"Labels", n.labels},
          {"Created", n.created},
          {"NetworkInterface", n.bridge},
          {"DNSEnabled", true},
          {"IPv6Enabled", !n.subnet6.empty()}};
}

Result<std::string> network_list_output(const std::vector<net::NetworkConfig>& shown,
                                        const std::string& format, bool quiet) {
  std::string out;
  if (quiet) {
    for (const auto& n : shown) out += n.name + "\n";
  } else if (format == "json") {
    out = containers::networks_json(shown);
  } else if (format == "table") {
    out = containers::networks_table(shown);
  } else {
    std::vector<nlohmann::json> rows;
    for (const auto& n : shown) rows.push_back(network_row(n));
    out = SBX_TRY(render_rows(format, rows, {{"ID", "NETWORK ID"}}));
  }
  return out;
}

void add_network_ls(Registry& registry) {
  struct Flags {
    std::string format = "table";
    std::vector<std::string> filters;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      "network ls", "List networks", [&globals = registry.globals(), f] -> CommandResult {
        auto networks = SBX_TRY(net::Networks::open(globals.root));
        std::vector<net::NetworkConfig> shown;
        for (auto& n : SBX_TRY(networks.list())) {
          bool keep = true;
          for (const auto& filter : f->filters) keep = keep && network_matches(n, filter);
          if (keep) shown.push_back(std::move(n));
        }
        auto out = SBX_TRY(network_list_output(shown, f->format, f->quiet));
        std::fputs(out.c_str(), stdout);
        return 0;
      });
  cmd->add_option("--format", f->format, "table, json or a Go template ({{.Name}} {{.ID}} ...)")
      ->check(list_format_problem);
  cmd->add_option("-f,--filter", f->filters,
                  "name=TEXT, id=PREFIX, driver=bridge or label=KEY[=VALUE]")
      ->check([](const std::string& v) {
        for (const char* key : {"name=", "id=", "driver=", "label="})
          if (v.starts_with(key)) return std::string();
        return std::string("expected name=TEXT, id=PREFIX, driver=bridge or label=KEY[=VALUE]");
      });
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the names");
}

void add_network_connect(Registry& registry) {
  struct Flags {
    std::string network, container;
    net::NetworkAttachRequest request;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      "network connect", "Connect a container to a network",
      [&globals = registry.globals(), f] -> CommandResult {
        auto containers = SBX_TRY(containers::Containers::open(globals.root));
        SBX_TRY(containers::connect_network(containers, f->network, f->container, f->request));
        return 0;
      });
  cmd->add_option("NETWORK", f->network, "Network name")->required();
  cmd->add_option("CONTAINER", f->container, "Container name or id")->required();
  cmd->add_option("--alias", f->request.aliases, "Another DNS name of the container there");
  cmd->add_option("--ip", f->request.ip, "IPv4 address on the network (default: a free one)");
  cmd->add_option("--ip6", f->request.ip6,
                  "IPv6 address on a dual-stack network (default: a free one)");
}

void add_network_disconnect(Registry& registry) {
  struct Flags {
    std::string network, container;
    bool force = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd =
      registry.add("network disconnect", "Disconnect a container from a network",
                   [&globals = registry.globals(), f] -> CommandResult {
                     auto containers = SBX_TRY(containers::Containers::open(globals.root));
                     SBX_TRY(containers::disconnect_network(containers, f->network, f->container));
                     return 0;
                   });
  cmd->add_option("NETWORK", f->network, "Network name")->required();
  cmd->add_option("CONTAINER", f->container, "Container name or id")->required();
  cmd->add_flag("-f,--force", f->force, "Accepted for docker's sake (never needed)");
}

void add_network_inspect(Registry& registry) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = registry.add(
      "network inspect", "Show networks as JSON",
      [&globals = registry.globals(), names] -> CommandResult {
        auto networks = SBX_TRY(net::Networks::open(globals.root));
        auto containers = SBX_TRY(containers::Containers::open(globals.root));
        std::vector<net::NetworkConfig> found;
        for (const auto& name : *names) found.push_back(SBX_TRY(networks.get(name)));
        std::fputs(SBX_TRY(containers::inspect_networks_json(containers, found)).c_str(), stdout);
        return 0;
      });
  cmd->add_option("NAME", *names, "Network names")->required();
}

void add_network_rm(Registry& registry) {
  struct Flags {
    std::vector<std::string> names;
    bool force = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      "network rm", "Remove networks", [&globals = registry.globals(), f] -> CommandResult {
        auto containers = SBX_TRY(containers::Containers::open(globals.root));
        for (const auto& name : f->names) {
          SBX_TRY(containers::remove_network(containers, name, f->force));
          std::printf("%s\n", name.c_str());
        }
        return 0;
      });
  cmd->add_option("NAME", f->names, "Network names")->required();
  cmd->add_flag("-f,--force", f->force, "Remove the containers that use it too");
}

void add_network_prune(Registry& registry) {
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd =
      registry.add("network prune", "Remove networks no container uses",
                   [&globals = registry.globals()] -> CommandResult {
                     auto containers = SBX_TRY(containers::Containers::open(globals.root));
                     for (const auto& name : SBX_TRY(containers::prune_networks(containers)))
                       std::printf("%s\n", name.c_str());
                     return 0;
                   });
  cmd->add_flag("-f,--force", *force, "Do not prompt (never prompts)");
}

}  // namespace

void register_network_commands(Registry& registry) {
  add_network_create(registry);
  add_network_ls(registry);
  add_network_inspect(registry);
  add_network_rm(registry);
  add_network_prune(registry);
  add_network_connect(registry);
  add_network_disconnect(registry);
  auto cmd = std::make_shared<PortCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("port", "List the published ports of a container",
                               [cmd, &globals] { return print_ports(*cmd, globals); });
  sub->add_option("CONTAINER", cmd->container, "Container name or id")->required();
  sub->add_option("PRIVATE_PORT", cmd->filter, "Only this container port (80 or 80/udp)");
}

}  // namespace sbx::cli
