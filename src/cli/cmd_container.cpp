// `sandbox ps, logs, stop, kill, start, restart, wait, rm, top, rename,
// container prune, container cleanup` and the container side of `inspect`.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

#include "cli.hpp"
#include "container_filter.hpp"
#include "container_output.hpp"
#include "go_template.hpp"
#include "lifecycle_flags.hpp"
#include "output.hpp"
#include "sandbox/containers/events.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/size.hpp"
#include "sandbox/launch/attach.hpp"
#include "sandbox/launch/detach_keys.hpp"
#include "sandbox/launch/start.hpp"

namespace sbx::cli {
namespace {

using containers::Containers;

Result<Containers> open_containers(const GlobalOptions& globals) {
  return Containers::open(globals.root);
}

void print_error(const Error& error) {
  std::fprintf(stderr, "sandbox: %s\n", error.message().c_str());
  if (!error.hint().empty()) std::fprintf(stderr, "hint: %s\n", error.hint().c_str());
}

// Runs `action` for each named container, docker style: prints what it was
// given on success, reports each failure and goes on; 125 if any failed.
CommandResult for_each(const GlobalOptions& globals, const std::vector<std::string>& names,
                       const std::function<Status(const Containers&, const std::string&)>& action,
                       bool echo = true) {
  auto containers = SBX_TRY(open_containers(globals));
  int code = 0;
  for (const auto& name : names) {
    auto id = containers.resolve(name);
    Status done = id ? action(containers, *id) : Status(std::unexpected(id.error()));
    if (!done) {
      print_error(done.error());
      code = kExitCommandFailed;
    } else if (echo) {
      std::printf("%s\n", name.c_str());
    }
  }
  std::fflush(stdout);
  return code;
}

struct PsFlags {
  bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
  int last = -1;
  std::string format = "table";
  std::vector<std::string> filters;
};

// ps -s: docker's "12 B (virtual 4.2 MB)" per container.
Result<std::vector<std::string>> ps_sizes(const GlobalOptions& globals,
                                          const std::vector<containers::ContainerInfo>& shown) {
  std::vector<std::string> sizes;
  if (shown.empty()) return sizes;
  auto store = SBX_TRY(store::Store::open(globals.root));
  for (const auto& c : shown) {
    containers::ContainerSize size = containers::container_size(store, c);
    sizes.push_back(container_size_text(size.rw, size.root_fs));
  }
  return sizes;
}

Result<std::string> ps_output(const PsFlags& f, const std::vector<containers::ContainerInfo>& shown,
                              const std::vector<std::string>& sizes) {
  if (f.quiet) return containers_quiet(shown, f.no_trunc);
  if (f.format == "json") return containers_json(shown, now(), sizes);
  if (is_go_template(f.format))
    return render_rows(f.format, container_rows(shown, now(), f.no_trunc, sizes),
                       container_headers());
  if (f.format == "table" || f.format.empty())
    return containers_table(shown, now(), f.no_trunc, sizes);
  return fail(unknown_format(f.format));
}

void add_ps(Registry& registry, const std::string& path) {
  auto f = std::make_shared<PsFlags>();
  CLI::App* cmd =
      registry.add(path, "List containers", [&globals = registry.globals(), f]() -> CommandResult {
        auto containers = SBX_TRY(open_containers(globals));
        ContainerFilter filter = SBX_TRY(ContainerFilter::parse(f->filters));
        std::vector<containers::ContainerInfo> shown;
        int last = f->latest ? 1 : f->last;  // -n and -l show stopped ones too, newest first
        bool all = f->all || last >= 0 || filter.shows_stopped();
        std::vector<containers::ContainerInfo> listed = SBX_TRY(containers.list());
        for (auto& info : SBX_TRY(filter.apply(std::move(listed))))
          if (all || info.status == containers::ContainerStatus::kRunning)
            shown.push_back(std::move(info));
        std::stable_sort(shown.begin(), shown.end(),
                         [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
        if (last >= 0 && shown.size() > static_cast<size_t>(last)) shown.resize(last);
        std::vector<std::string> sizes;
        if (f->size && !f->quiet) sizes = SBX_TRY(ps_sizes(globals, shown));
        std::fputs(SBX_TRY(ps_output(*f, shown, sizes)).c_str(), stdout);
        return 0;
      });
  cmd->add_flag("-a,--all", f->all, "Show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only display container IDs");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_flag("-s,--size", f->size,
                "Show each container's SIZE: its writable layer (virtual: with its image)");
  cmd->add_flag("-l,--latest", f->latest, "Show the latest created container (any state)");
  cmd->add_option("-n,--last", f->last, "Show the N last created containers (any state)");
  cmd->add_option("-f,--filter", f->filters,
                  "KEY=VALUE: name, id, status, ancestor, exited, label, before, since");
  cmd->add_option("--format", f->format,
                  "table, json, or a Go template ('{{.Names}}', 'table {{.ID}}\\t{{.Status}}')");
}

void add_logs(Registry& registry) {
  struct Flags {
    containers::LogOptions options;
    std::string tail = "all";
    std::string name;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd =
      registry.add("logs", "Fetch the logs of a container",
                   [&globals = registry.globals(), f]() -> CommandResult {
                     auto containers = SBX_TRY(open_containers(globals));
                     std::string id = SBX_TRY(containers.resolve(f->name));
                     if (f->tail != "all") {
                       char* end = nullptr;
                       long n = std::strtol(f->tail.c_str(), &end, 10);
                       if (f->tail.empty() || *end || n < 0)
                         return fail("invalid --tail value: " + f->tail);
                       f->options.tail = static_cast<size_t>(n);
                     }
                     SBX_TRY(containers::read_logs(containers, id, f->options,
                                                   [](bool is_stderr, std::string_view data) {
                                                     FILE* to = is_stderr ? stderr : stdout;
                                                     std::fwrite(data.data(), 1, data.size(), to);
                                                     std::fflush(to);
                                                   }));
                     return 0;
                   });
  cmd->add_flag("-f,--follow", f->options.follow, "Follow log output");
  cmd->add_flag("-t,--timestamps", f->options.timestamps, "Show timestamps");
  cmd->add_option("-n,--tail", f->tail, "Number of lines to show from the end (or all)");
  cmd->add_option("CONTAINER", f->name, "container name or id")->required();
}

void add_stop_like(Registry& registry, const std::string& path, bool restart) {
  struct Flags {
    std::optional<int> seconds;  // none: the container's --stop-timeout, else 10
    std::vector<std::string> names;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      path, restart ? "Restart one or more containers" : "Stop one or more running containers",
      [&globals = registry.globals(), f, restart]() -> CommandResult {
        std::optional<std::chrono::milliseconds> timeout;
        if (f->seconds) timeout = std::chrono::milliseconds(std::max(*f->seconds, 0) * 1000LL);
        return for_each(globals, f->names,
                        [&](const Containers& c, const std::string& id) -> Status {
                          SBX_TRY(containers::stop_container(c, id, timeout));
                          if (restart) SBX_TRY(launch::start_container(c, id));
                          return Status{};
                        });
      });
  cmd->add_option("-t,--time", f->seconds,
                  "Seconds to wait before killing it (default: the stop timeout it was run with, "
                  "else 10)");
  cmd->add_option("CONTAINER", f->names, "container names or ids")->required();
}

void add_kill(Registry& registry) {
  struct Flags {
    std::string signal = "KILL";
    std::vector<std::string> names;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add("kill", "Kill one or more running containers",
                               [&globals = registry.globals(), f]() -> CommandResult {
                                 int signal = SBX_TRY(containers::parse_signal(f->signal));
                                 return for_each(globals, f->names,
                                                 [&](const Containers& c, const std::string& id) {
                                                   return containers::kill_container(c, id, signal);
                                                 });
                               });
  cmd->add_option("-s,--signal", f->signal, "Signal to send (default KILL)");
  cmd->add_option("CONTAINER", f->names, "container names or ids")->required();
}

// start -a / -i: the container's output (and our input) until it ends; its exit code.
CommandResult start_attached(const GlobalOptions& globals, const std::string& name, bool input,
                             const std::string& detach_keys) {
  launch::AttachOptions options;
  options.input = input;
  options.close_stdin = input;
  options.detach_keys = SBX_TRY(launch::parse_detach_keys(detach_keys));  // before the start
  auto containers = SBX_TRY(open_containers(globals));
  std::string id = SBX_TRY(containers.resolve(name));
  SBX_TRY(launch::start_container(containers, id, true));
  return launch::attach_container(containers, id, options);
}

void add_detach_keys_flag(CLI::App* cmd, std::string& keys) {
  cmd->add_option("--detach-keys", keys,
                  "Keys that detach from a container with a terminal, leaving it running "
                  "(default ctrl-p,ctrl-q; ctrl-<a-z@[\\]^_> or characters, comma-separated; "
                  "\"\" disables)");
}

void add_start(Registry& registry) {
  struct Flags {
    bool attach = false, interactive = false;
    std::string detach_keys{launch::kDefaultDetachKeys};
    std::vector<std::string> names;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      "start", "Start one or more stopped containers",
      [&globals = registry.globals(), f]() -> CommandResult {
        if (!f->attach && !f->interactive)
          return for_each(globals, f->names, [](const Containers& c, const std::string& id) {
            return launch::start_container(c, id);
          });
        if (f->names.size() != 1)
          return fail(Error("you cannot start and attach multiple containers at once")
                          .with_hint("start them one by one with -a, or without -a together"));
        return start_attached(globals, f->names.front(), f->interactive, f->detach_keys);
      });
  cmd->add_flag("-a,--attach", f->attach,
                "Attach its output and return its exit code once it ends");
  cmd->add_flag("-i,--interactive", f->interactive,
                "Attach its output and send it our input (it must have been created with -i)");
  add_detach_keys_flag(cmd, f->detach_keys);
  cmd->add_option("CONTAINER", f->names, "container names or ids")->required();
}

void add_attach(Registry& registry) {
  struct Flags {
    bool no_stdin = false;
    bool sig_proxy = true;
    std::string detach_keys{launch::kDefaultDetachKeys};
    std::string name;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add("attach", "Attach to a running container's output and input",
                               [&globals = registry.globals(), f]() -> CommandResult {
                                 launch::AttachOptions options;
                                 options.input = !f->no_stdin;
                                 options.sig_proxy = f->sig_proxy;
                                 options.detach_keys =
                                     SBX_TRY(launch::parse_detach_keys(f->detach_keys));
                                 auto containers = SBX_TRY(open_containers(globals));
                                 std::string id = SBX_TRY(containers.resolve(f->name));
                                 return launch::attach_container(containers, id, options);
                               });
  cmd->add_flag("--no-stdin", f->no_stdin, "Do not attach our input");
  cmd->add_flag("--sig-proxy", f->sig_proxy,
                "Send the signals we get to the container (default true, --sig-proxy=false stops "
                "it; not when it has a terminal)");
  add_detach_keys_flag(cmd, f->detach_keys);
  cmd->add_option("CONTAINER", f->name, "container name or id")->required();
  cmd->footer(
      "Detach with ctrl-p ctrl-q (or --detach-keys; with a terminal, when input is attached):\n"
      "the container goes on. Otherwise attach ends with the container and exits with its\n"
      "exit code. Our terminal's size is the container's, now and when it changes.");
}

void add_pause(Registry& registry, bool pause) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = registry.add(
      pause ? "pause" : "unpause",
      pause ? "Pause all processes within one or more containers (cgroup v2 freezer)"
            : "Unpause all processes within one or more containers",
      [&globals = registry.globals(), names, pause]() -> CommandResult {
        return for_each(globals, *names,
                        pause ? containers::pause_container : containers::unpause_container);
      });
  cmd->add_option("CONTAINER", *names, "container names or ids")->required();
}

void add_wait(Registry& registry) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = registry.add("wait", "Block until containers stop, then print their exit codes",
                               [&globals = registry.globals(), names]() -> CommandResult {
                                 return for_each(
                                     globals, *names,
                                     [](const Containers& c, const std::string& id) -> Status {
                                       int code = SBX_TRY(containers::wait_container(c, id));
                                       std::printf("%d\n", code);
                                       std::fflush(stdout);
                                       return {};
                                     },
                                     false);
                               });
  cmd->add_option("CONTAINER", *names, "container names or ids")->required();
}

void add_rm(Registry& registry, const std::string& path) {
  struct Flags {
    bool force = false;
    bool volumes = false;
    std::vector<std::string> names;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = registry.add(
      path, "Remove one or more containers", [&globals = registry.globals(), f]() -> CommandResult {
        return for_each(globals, f->names, [&](const Containers& c, const std::string& id) {
          return containers::remove_container(c, id, f->force, f->volumes);
        });
      });
  cmd->add_flag("-f,--force", f->force, "Force the removal of a running container (SIGKILL)");
  cmd->add_flag("-v,--volumes", f->volumes, "Remove the container's anonymous volumes too");
  cmd->add_option("CONTAINER", f->names, "container names or ids")->required();
}

void add_top(Registry& registry) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = registry.add("top", "Display the running processes of a container",
                               [&globals = registry.globals(), name]() -> CommandResult {
                                 auto containers = SBX_TRY(open_containers(globals));
                                 std::string id = SBX_TRY(containers.resolve(*name));
                                 auto rows =
                                     SBX_TRY(containers::container_processes(containers, id));
                                 std::fputs(processes_table(rows).c_str(), stdout);
                                 return 0;
                               });
  cmd->add_option("CONTAINER", *name, "container name or id")->required();
}

void add_rename(Registry& registry) {
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = registry.add(
      "rename", "Rename a container", [&globals = registry.globals(), names]() -> CommandResult {
        auto containers = SBX_TRY(open_containers(globals));
        std::string id = SBX_TRY(containers.resolve(names->first));
        SBX_TRY(containers::rename_container(containers, id, names->second));
        return 0;
      });
  cmd->add_option("CONTAINER", names->first, "container name or id")->required();
  cmd->add_option("NEW_NAME", names->second, "the new name")->required();
}

void add_container_prune(Registry& registry) {
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = registry.add("container prune", "Remove all stopped containers",
                               // `force` is captured: -f writes into it after we return.
                               [&globals = registry.globals(), force]() -> CommandResult {
                                 auto containers = SBX_TRY(open_containers(globals));
                                 auto removed = SBX_TRY(containers::prune_containers(containers));
                                 std::printf("Deleted Containers:\n");
                                 for (const auto& id : removed) std::printf("%s\n", id.c_str());
                                 return 0;
                               });
  cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation (never prompts)");
}

// Run by the monitor after the container ended (not for users).
void add_cleanup(Registry& registry) {
  struct Flags {
    int exit_code = -1;
    std::string id;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd =
      registry.add("container cleanup", "Record a container's end (run by its monitor)",
                   [&globals = registry.globals(), f]() -> CommandResult {
                     auto containers = SBX_TRY(open_containers(globals));
                     SBX_TRY(containers::finish_container(
                         containers, f->id,
                         containers::ExitRecord{f->exit_code, false, containers::now_rfc3339()}));
                     SBX_TRY(launch::apply_restart_policy(containers, f->id, f->exit_code));
                     return 0;
                   });
  cmd->add_option("--exit-code", f->exit_code, "the container's exit code");
  cmd->add_option("ID", f->id, "full container id")->required();
  cmd->group("");  // hidden from help
}

}  // namespace

std::optional<std::string> inspect_containers(const GlobalOptions& globals,
                                              const std::vector<std::string>& names) {
  auto containers = open_containers(globals);
  if (!containers) return std::nullopt;
  std::vector<containers::ContainerInfo> found;
  for (const auto& name : names) {
    auto id = containers->resolve(name);
    if (!id) return std::nullopt;
    auto info = containers->info(*id);
    if (!info) return std::nullopt;
    found.push_back(std::move(*info));
  }
  return containers_inspect_json(found);
}

void register_container_commands(Registry& registry) {
  add_ps(registry, "ps");
  add_ps(registry, "container ls");
  add_logs(registry);
  add_stop_like(registry, "stop", false);
  add_stop_like(registry, "restart", true);
  add_kill(registry);
  add_start(registry);
  add_attach(registry);
  add_pause(registry, true);
  add_pause(registry, false);
  add_wait(registry);
  add_rm(registry, "rm");
  add_rm(registry, "container rm");
  add_top(registry);
  add_rename(registry);
  add_container_prune(registry);
  add_cleanup(registry);
  register_lifecycle_commands(registry);  // cmd_lifecycle.cpp
}

}  // namespace sbx::cli
