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

void put_io(nlohmann::json& j, const char* in_key, const char* out_key,
            const std::optional<cgroup::IoBytes>& io) {
  j[in_key] = io ? nlohmann::json(io->in) : nullptr;
  j[out_key] = io ? nlohmann::json(io->out) : nullptr;
}

// docker's "1.2kB / 648B"; "--" when unknown.
std::string io_column(const std::optional<cgroup::IoBytes>& io) {
  if (!io) return "--";
  return human_size(double(io->in)) + " / " + human_size(double(io->out));
}

nlohmann::json to_json(const containers::StatsSample& s) {
  nlohmann::json j = {{"id", s.id},
                      {"cpu_percent", s.cpu_percent},
                      {"cpu_usage_usec", s.stats.cpu_usage_usec},
                      {"cpu_throttled_usec", s.stats.cpu_throttled_usec},
                      {"memory_usage", s.stats.memory_current},
                      {"pids", s.stats.pids_current},
                      {"oom_kills", s.stats.oom_kills}};
  j["memory_limit"] = s.stats.memory_max ? nlohmann::json(*s.stats.memory_max) : nullptr;
  j["pids_limit"] = s.stats.pids_max ? nlohmann::json(*s.stats.pids_max) : nullptr;
  put_io(j, "net_rx_bytes", "net_tx_bytes", s.net);
  put_io(j, "block_read_bytes", "block_write_bytes", s.block);
  return j;
}

void print_table(const std::vector<containers::StatsSample>& samples) {
  std::printf("%-12s  %7s  %-21s  %7s  %-19s  %-19s  %s\n", "CONTAINER ID", "CPU %",
              "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
  for (const auto& s : samples) {
    const auto& st = s.stats;
    std::string limit = st.memory_max ? human_size(double(*st.memory_max)) : "unlimited";
    std::string mem = human_size(double(st.memory_current)) + " / " + limit;
    double mem_percent = st.memory_max && *st.memory_max
                             ? 100.0 * double(st.memory_current) / double(*st.memory_max)
                             : 0.0;
    std::printf("%-12s  %6.2f%%  %-21s  %6.2f%%  %-19s  %-19s  %llu\n", s.id.substr(0, 12).c_str(),
                s.cpu_percent, mem.c_str(), mem_percent, io_column(s.net).c_str(),
                io_column(s.block).c_str(), static_cast<unsigned long long>(st.pids_current));
  }
}

struct StatsCommand {
  std::vector<std::string> containers;
  bool no_stream = false;
  std::string format;
};

CommandResult stats(const StatsCommand& cmd, const GlobalOptions& globals) {
  if (!cmd.format.empty() && cmd.format != "json" && cmd.format != "table")
    return fail(Error("unsupported --format '" + cmd.format + "'").with_hint("use json or table"));
  std::vector<containers::CgroupTarget> targets;
  if (cmd.containers.empty()) targets = containers::running_with_cgroups(globals.root);
  for (const auto& name : cmd.containers)
    targets.push_back(SBX_TRY(containers::find_cgroup_target(globals.root, name)));
  do {
    auto samples = SBX_TRY(containers::sample_stats(targets, std::chrono::milliseconds(500)));
    if (cmd.format == "json") {
      for (const auto& s : samples) std::printf("%s\n", to_json(s).dump().c_str());
    } else {
      if (!cmd.no_stream && ::isatty(1)) std::printf("\033[2J\033[H");
      print_table(samples);
    }
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
  sub->add_option("--format", st->format, "table (default) or json (one object per line)");
  sub->add_option("container", st->containers,
                  "Container names or ids (default: all running with limits)");
}

}  // namespace sbx::cli
