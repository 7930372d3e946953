// Restart policies and health checks on the command line: their run flags,
// `healthcheck run` (what the monitor runs every interval) and `generate
// systemd` (a user unit: the way back after a reboot, as there is no daemon).
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "lifecycle_flags.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/systemd_unit.hpp"
#include "sandbox/launch/healthcheck.hpp"

namespace sbx::cli {

void add_lifecycle_flags(CLI::App* sub, containers::RunFlags& f) {
  sub->add_option("--restart", f.restart,
                  "Restart policy: no (default), on-failure[:MAX-RETRIES], always, unless-stopped");
  auto& h = f.health;
  sub->add_option("--health-cmd", h.cmd,
                  "Command that checks the container's health (a shell command, or a JSON array "
                  "[\"CMD\", ...])");
  sub->add_option("--health-interval", h.interval, "Time between two checks (default 30s)");
  sub->add_option("--health-retries", h.retries,
                  "Failures in a row that make it unhealthy (default 3)");
  sub->add_option("--health-start-period", h.start_period,
                  "Time to start in, when failures do not count (default 0s)");
  sub->add_option("--health-timeout", h.timeout, "Time one check may take (default 30s)");
  sub->add_flag("--no-healthcheck", h.none, "Disable the image's HEALTHCHECK");
}

CommandLine own_command_line(size_t image_args) {
  auto text = read_file("/proc/self/cmdline");
  if (!text) return {};
  std::vector<std::string> words;
  for (size_t at = 0; at < text->size();) {
    size_t end = text->find('\0', at);
    if (end == std::string::npos) end = text->size();
    words.push_back(text->substr(at, end - at));
    at = end + 1;
  }
  size_t verb = 1;  // past the global options to `run` / `create`
  while (verb < words.size() && words[verb].starts_with('-'))
    verb += words[verb] == "--root" || words[verb] == "--storage-driver" ? 2 : 1;
  if (verb >= words.size() || words.size() - verb - 1 < image_args) return {};
  size_t image = words.size() - image_args;
  CommandLine line;
  line.flags.assign(words.begin() + static_cast<std::ptrdiff_t>(verb) + 1,
                    words.begin() + static_cast<std::ptrdiff_t>(image));
  line.image_args.assign(words.begin() + static_cast<std::ptrdiff_t>(image), words.end());
  return line;
}

namespace {

void add_healthcheck_run(Registry& registry) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = registry.add("healthcheck run",
                               "Run a container's health check once (0: healthy, 1: unhealthy)",
                               [&globals = registry.globals(), name]() -> CommandResult {
                                 auto state = SBX_TRY(launch::run_healthcheck(globals.root, *name));
                                 if (!state.log.empty() && state.log.back().exit_code == 0)
                                   return 0;
                                 std::printf("unhealthy\n");
                                 return 1;
                               });
  cmd->add_option("CONTAINER", *name, "container name or id")->required();
}

struct GenerateFlags {
  bool use_name = false;
  bool fresh = false;
  std::string restart_policy = "on-failure";
  std::string name;
};

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("/usr/bin/sandbox");
}

CommandResult generate_systemd(const GlobalOptions& globals, const GenerateFlags& f) {
  auto containers = SBX_TRY(containers::Containers::open(globals.root));
  std::string id = SBX_TRY(containers.resolve(f.name));
  auto info = SBX_TRY(containers.info(id));
  containers::SystemdUnitRequest r;
  r.container = f.use_name ? info.name : info.id;
  r.sandbox = self_exe();
  if (!globals.root.empty()) r.global_args = {"--root", containers.store_root().string()};
  if (!globals.storage_driver.empty())
    r.global_args.insert(r.global_args.end(), {"--storage-driver", globals.storage_driver});
  r.restart_policy = f.restart_policy;
  r.stop_timeout = info.spec.stop_timeout >= 0 ? info.spec.stop_timeout : 10;
  r.pid_file = (info.runtime_dir / "monitor.pid").string();
  r.fresh = f.fresh;
  if (f.fresh) {
    if (info.run_image_args.empty())
      return fail(Error("container " + info.name + " does not record the run that made it")
                      .with_hint("generate the unit without --new, or run the container again"));
    if (!f.use_name) r.container = info.name;  // a new container each time: only its name lasts
    r.run_flags = info.run_flags;
    r.run_image_args = info.run_image_args;
  }
  if (info.spec.restart.restarts())
    std::fprintf(stderr,
                 "sandbox: warning: container %s has --restart %s: the unit restarts it "
                 "(Restart=%s), run it without --restart\n",
                 info.name.c_str(), containers::to_string(info.spec.restart).c_str(),
                 f.restart_policy.c_str());
  std::fputs(SBX_TRY(containers::systemd_unit(r)).c_str(), stdout);
  return 0;
}

void add_generate_systemd(Registry& registry) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* cmd = registry.add("generate systemd",
                               "Print a systemd user unit that starts and stops a container",
                               [&globals = registry.globals(), f]() -> CommandResult {
                                 return generate_systemd(globals, *f);
                               });
  cmd->add_flag("-n,--name", f->use_name, "Use the container's name instead of its id");
  cmd->add_flag("--new", f->fresh,
                "Run a new container at each start (from the run that made this one) and "
                "remove it at the stop");
  cmd->add_option("--restart-policy", f->restart_policy, "systemd's Restart= (default on-failure)");
  cmd->add_option("CONTAINER", f->name, "container name or id")->required();
}

}  // namespace

void register_lifecycle_commands(Registry& registry) {
  add_healthcheck_run(registry);
  add_generate_systemd(registry);
}

}  // namespace sbx::cli
