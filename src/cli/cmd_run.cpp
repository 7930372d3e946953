// `sandbox run [OPTIONS] IMAGE [COMMAND [ARG...]]` with docker's flags. Options
// stop at IMAGE: everything after it belongs to the container's command.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "command_lookup.hpp"
#include "lifecycle_flags.hpp"
#include "sandbox/launch/detach_keys.hpp"
#include "sandbox/launch/exec.hpp"
#include "sandbox/launch/run.hpp"

namespace sbx::cli {
namespace {

// Pull progress stays quiet (the image store's own printer lives with `pull`);
// warnings reach the user.
class RunProgress : public images::ProgressSink {
 public:
  void resolved(const image::Reference&, const image::Digest& digest) override {
    std::fprintf(stderr, "Pulling image %s\n", digest.str().c_str());
  }
  void warning(std::string_view text) override {
    std::fprintf(stderr, "sandbox: warning: %.*s\n", static_cast<int>(text.size()), text.data());
  }
};

struct RunCommand {
  containers::RunFlags flags;
  std::string entrypoint;
  CLI::Option* entrypoint_option = nullptr;
  std::string hostname;
  CLI::Option* hostname_option = nullptr;
  std::string workdir, user;
  bool no_init = false;
  std::string detach_keys{launch::kDefaultDetachKeys};
  CLI::App* app = nullptr;
};

// `verb` (run, create) with IMAGE and COMMAND from what follows the flags.
Result<launch::RunOptions> run_options(RunCommand& cmd, const GlobalOptions& globals,
                                       const std::string& verb) {
  std::vector<std::string> rest = cmd.app->remaining();
  SBX_TRY(check_no_unknown_flag(rest, verb));
  SBX_TRY(launch::parse_detach_keys(cmd.detach_keys));  // checked; see the flag's help
  if (rest.empty())
    return fail(Error("\"sandbox " + verb + "\" requires at least 1 argument")
                    .with_hint("sandbox " + verb + " [OPTIONS] IMAGE [COMMAND [ARG...]]"));
  launch::RunOptions options;
  options.store_root = globals.root;
  options.storage_driver = globals.storage_driver;
  options.flags = cmd.flags;
  options.flags.image = rest[0];
  options.flags.command.assign(rest.begin() + 1, rest.end());
  if (cmd.entrypoint_option->count()) options.flags.entrypoint = cmd.entrypoint;
  if (cmd.hostname_option->count()) options.flags.hostname = cmd.hostname;
  if (!cmd.workdir.empty()) options.flags.workdir = cmd.workdir;
  if (!cmd.user.empty()) options.flags.user = cmd.user;
  if (cmd.no_init)
    std::fprintf(stderr,
                 "sandbox: warning: --no-init is ignored: PID 1 is always sandbox's init (it "
                 "reaps zombies and forwards signals to the command)\n");
  CommandLine line = own_command_line(rest.size());  // for generate systemd --new
  options.command_flags = std::move(line.flags);
  options.command_image_args = std::move(line.image_args);
  return options;
}

CommandResult create(RunCommand& cmd, const GlobalOptions& globals) {
  launch::RunOptions options = SBX_TRY(run_options(cmd, globals, "create"));
  RunProgress progress;
  std::string id = SBX_TRY(launch::create_container_record(options, progress));
  std::printf("%s\n", id.c_str());
  return 0;
}

CommandResult run(RunCommand& cmd, const GlobalOptions& globals) {
  launch::RunOptions options = SBX_TRY(run_options(cmd, globals, "run"));
  RunProgress progress;
  if (options.flags.detach) {
    auto started = SBX_TRY(launch::run_container_detached(options, progress));
    if (const auto& failed = started.command_failed) {  // docker's 127/126, no id
      std::fprintf(stderr, "sandbox: %s\n", failed->message().c_str());
      return launch::exit_code_for_exec_errno(failed->errno_value());
    }
    std::printf("%s\n", started.id.c_str());
    return 0;
  }
  return launch::run_container(options, progress);
}

// One value per occurrence, so a repeated option never swallows IMAGE.
void one_each(CLI::App* sub) {
  for (CLI::Option* option : sub->get_options()) option->allow_extra_args(false);
}

void add_flags(CLI::App* sub, RunCommand& c) {
  auto& f = c.flags;
  sub->add_option("-e,--env", f.env, "Set an environment variable (KEY=VALUE, or KEY from here)");
  sub->add_option("--env-file", f.env_files, "Read environment variables from a file");
  sub->add_option("-w,--workdir", c.workdir, "Working directory inside the container");
  sub->add_option("-u,--user", c.user, "USER[:GROUP] (names or ids from the image)");
  c.entrypoint_option = sub->add_option("--entrypoint", c.entrypoint,
                                        "Replace the image's ENTRYPOINT (\"\" clears it)");
  c.hostname_option = sub->add_option("-h,--hostname", c.hostname, "Container host name");
  sub->add_option("--name", f.name, "Assign a name to the container");
  sub->add_flag("--rm", f.rm, "Remove the container when it exits");
  sub->add_flag("-d,--detach", f.detach, "Run in the background and print the container id");
  sub->add_flag("-i,--interactive", f.interactive, "Keep STDIN open");
  sub->add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  sub->add_option("--detach-keys", c.detach_keys,
                  "Checked, for docker's command lines: a foreground run has no monitor to leave "
                  "the container with, so it cannot detach (run -dit, then attach --detach-keys)");
  sub->add_option("-v,--volume", f.volumes,
                  "HOST-PATH:CONTAINER[:OPTS], VOLUME:CONTAINER[:OPTS] or CONTAINER (anonymous); "
                  "OPTS: ro, nocopy, U (chown to the container's user), O (overlay)");
  sub->add_option("--mount", f.mounts, "type=bind|volume|tmpfs,source=...,target=...[,readonly]");
  sub->add_option("--tmpfs", f.tmpfs, "Mount a tmpfs PATH[:OPTIONS]");
  sub->add_flag("--read-only", f.read_only, "Mount the root filesystem read-only");
  sub->add_option("--cap-add", f.cap_add, "Add a capability (or ALL)");
  sub->add_option("--cap-drop", f.cap_drop, "Drop a capability (or ALL)");
  sub->add_option("--security-opt", f.security_opts,
                  "seccomp=PROFILE.json|unconfined, no-new-privileges[=false]");
  sub->add_option("--ulimit", f.ulimits, "Resource limit NAME=SOFT[:HARD]");
  sub->add_flag("--privileged", f.privileged,
                "All capabilities of the user namespace, no seccomp, no masked paths");
  sub->add_option_function<std::vector<std::string>>(
         "--network,--net",
         [&f](const std::vector<std::string>& values) {
           f.network = values.front();
           f.more_networks.assign(values.begin() + 1, values.end());
         },
         "slirp4netns[:allow_host_loopback=..,enable_ipv6=..,cidr=..,mtu=..] "
         "(default), none, host, or a network NAME (repeatable)")
      ->type_name("MODE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_option("--network-alias", f.network_aliases, "Another name on the user networks");
  sub->add_option("--ip", f.ip, "The container's IPv4 address on its user network");
  sub->add_option("--ip6", f.ip6,
                  "The container's IPv6 address on its user network (a dual-stack one)");
  sub->add_option("-p,--publish", f.publish, "Publish [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]");
  sub->add_flag("-P,--publish-all", f.publish_all,
                "Publish every exposed port (EXPOSE, --expose) on a free host port");
  sub->add_option("--expose", f.expose,
                  "Expose PORT[/tcp|udp|sctp] or a range FIRST-LAST (see -P)");
  sub->add_option("--dns", f.dns, "DNS server for /etc/resolv.conf");
  sub->add_option("--add-host", f.add_hosts, "Add NAME:IP to /etc/hosts");
  sub->add_option("--dns-search", f.dns_search,
                  "DNS search domain for /etc/resolv.conf (\".\" for none)");
  sub->add_option("--dns-option", f.dns_options, "DNS option for /etc/resolv.conf");
  sub->add_option("--userns", f.userns,
                  "keep-id: run as your own uid/gid inside (added to /etc/passwd and /etc/group "
                  "when the image lacks them)");
  sub->add_option("--group-add", f.group_add,
                  "Add a supplementary group (a name of the image's /etc/group or a gid), or "
                  "keep-groups to keep your own groups");
  sub->add_option("--device", f.devices,
                  "Bind a host device HOST[:CONTAINER][:PERMS] (one you may open; PERMS of rwm)");
  sub->add_option("--tz", f.timezone,
                  "Set the container's time zone (/etc/localtime): a zoneinfo NAME or local");
  sub->add_option("--pid", f.pid,
                  "PID namespace: host, or container:NAME (share a running container's)");
  sub->add_option("--ipc", f.ipc,
                  "IPC namespace: shareable (default), private, none (no /dev/shm), host, or "
                  "container:NAME (share a running container's, with its /dev/shm)");
  sub->add_flag("--init", f.init, "Run an init as PID 1 (always on)");
  sub->add_flag("--no-init", c.no_init, "Accepted with a warning: sandbox's init is always PID 1");
  sub->add_flag("--http-proxy", f.http_proxy,
                "Pass this environment's http_proxy, https_proxy, ftp_proxy and no_proxy "
                "(both cases) on (default true; --http-proxy=false stops it)");
  sub->add_option("-l,--label", f.labels, "Set a label KEY=VALUE on the container");
  sub->add_option("--stop-signal", f.stop_signal, "Signal that stop sends first (default SIGTERM)");
  sub->add_option("--stop-timeout", f.stop_timeout,
                  "Seconds stop waits before SIGKILL (default 10)");
  sub->add_option("--pull", f.pull,
                  "Pull the image: missing (default), always, never, or newer (when the "
                  "registry's digest differs)");
  sub->add_option("--platform", f.platform,
                  "Take the image for OS/ARCH[/VARIANT] from an index (default: this host)");
  sub->add_option("--log-driver", f.log_driver,
                  "k8s-file (default; json-file is its alias), none, or passthrough (the "
                  "container writes to this stdio; not with -d)");
  sub->add_option("--log-opt", f.log_opts, "Log driver option: path=FILE (k8s-file)");
  sub->add_option("--shm-size", f.shm_size, "Size of /dev/shm (default 64m)");
  sub->add_option("--sysctl", f.sysctls,
                  "Set a namespaced kernel parameter KEY=VALUE (kernel.msg*, kernel.sem, "
                  "kernel.shm*, fs.mqueue.*, net.*)");
  add_limit_flags(sub, f.limits, true);  // cmd_cgroup.cpp
  add_lifecycle_flags(sub, f);           // cmd_lifecycle.cpp
}

void register_create(Registry& registry) {
  auto cmd = std::make_shared<RunCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("create", "Create a new container without starting it",
                               [cmd, &globals] { return create(*cmd, globals); });
  sub->set_help_flag("--help", "Print this help message and exit");
  add_flags(sub, *cmd);
  one_each(sub);
  sub->prefix_command();
  sub->footer(
      "Usage: sandbox create [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
      "Takes run's options; prints the new container's id. `sandbox start [-a] [-i]` runs it.");
  cmd->app = sub;
}

}  // namespace

void register_run_commands(Registry& registry) {
  register_create(registry);
  auto cmd = std::make_shared<RunCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("run", "Run a command in a new container",
                               [cmd, &globals] { return run(*cmd, globals); });
  sub->set_help_flag("--help", "Print this help message and exit");
  add_flags(sub, *cmd);
  one_each(sub);
  sub->prefix_command();
  sub->footer(
      "Usage: sandbox run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
      "PID 1 is always sandbox's init (as docker's --init): it reaps zombies and forwards\n"
      "signals. Exit status: the command's, 125 when sandbox fails, 126 when the command\n"
      "cannot be invoked, 127 when it is not found, 128+N when killed by signal N.");
  cmd->app = sub;
}

}  // namespace sbx::cli
