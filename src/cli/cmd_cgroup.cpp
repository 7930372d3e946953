// `sandbox update` and `sandbox stats`: a running container's cgroup, and the
// limit flags `run` shares.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/containers/stats.hpp"
#include "sandbox/containers/update.hpp"
#include "stats_output.hpp"

namespace sbx::cli {

void add_limit_flags(CLI::App* sub, cgroup::LimitFlags& f, bool for_run) {
  sub->add_option("-m,--memory", f.memory, "Memory limit (e.g. 256m, 1g)");
  sub->add_option("--memory-swap", f.memory_swap, "Memory + swap limit (-1: unlimited swap)");
  sub->add_option("--memory-reservation", f.memory_reservation, "Memory soft limit (memory.low)");
  sub->add_option("--cpus", f.cpus, "Number of CPUs (e.g. 1.5)");
  sub->add_option("-c,--cpu-shares", f.cpu_shares, "CPU shares (relative weight, 2..262144)");
  sub->add_option("--cpu-weight", f.cpu_weight, "cgroup v2 cpu.weight (1..10000)");
  sub->add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs allowed (e.g. 0-2,4)");
  sub->add_option("--pids-limit", f.pids_limit, "Process limit (-1: unlimited; default 2048)");
  sub->add_option("--io-weight", f.io_weight, "Block IO weight (1..10000)");
  if (!for_run) return;
  sub->add_option("--cgroup-manager", f.cgroup_manager,
                  "systemd (a user scope, default) or cgroupfs (the current delegated cgroup)");
  sub->add_option("--limits", f.limits_policy,
                  "strict (default: refuse limits that cannot be enforced) or best-effort");
}

namespace {

struct UpdateCommand {
  cgroup::LimitFlags flags;
  std::vector<std::string> containers;
};

CommandResult update(const UpdateCommand& cmd, const GlobalOptions& globals) {
  auto limits = SBX_TRY(containers::limits_to_update(cmd.flags));
  for (const auto& name : cmd.containers) {
    SBX_TRY(containers::update_limits_of(globals.root, name, limits));
    std::printf("%s\n", name.c_str());
  }
  return 0;
}

struct StatsCommand {
  std::vector<std::string> containers;
  bool no_stream = false;
  std::string format;
};

CommandResult stats(const StatsCommand& cmd, const GlobalOptions& globals) {
  SBX_TRY(check_stats_format(cmd.format));
  std::vector<containers::CgroupTarget> targets;
  if (cmd.containers.empty()) targets = containers::running_with_cgroups(globals.root);
  for (const auto& name : cmd.containers)
    targets.push_back(SBX_TRY(containers::find_cgroup_target(globals.root, name)));
  do {
    auto samples = SBX_TRY(containers::sample_stats(targets, std::chrono::milliseconds(500)));
    std::string out = SBX_TRY(stats_output(samples, cmd.format));
    if (cmd.format != "json" && !cmd.no_stream && ::isatty(1)) std::printf("\033[2J\033[H");
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    if (samples.empty() && !cmd.containers.empty()) break;
  } while (!cmd.no_stream);
  return 0;
}

}  // namespace

void register_cgroup_commands(Registry& registry) {
  auto up = std::make_shared<UpdateCommand>();
  CLI::App* sub = registry.add(
      "update", "Change the resource limits of containers (live, and for their next start)",
      [up, &globals = registry.globals()] { return update(*up, globals); });
  add_limit_flags(sub, up->flags, false);
  sub->add_option("container", up->containers, "Container names or ids")->required();

  auto st = std::make_shared<StatsCommand>();
  sub = registry.add("stats",
                     "Show CPU, memory, network and block I/O and pids of running containers",
                     [st, &globals = registry.globals()] { return stats(*st, globals); });
  sub->add_flag("--no-stream", st->no_stream, "Print one reading and exit");
  sub->add_option("--format", st->format,
                  "table (default), json (one object per line) or a Go template "
                  "('table {{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}')");
  sub->add_option("container", st->containers,
                  "Container names or ids (default: all running with limits)");
}

}  // namespace sbx::cli
