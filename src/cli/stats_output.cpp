#include "stats_output.hpp"

#include <cstdio>

#include "go_template.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::cli {
namespace {

constexpr const char* kStatsTable =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
    "\t{{.PIDs}}";

void put_stats_io(nlohmann::json& j, const char* in_key, const char* out_key,
                  const std::optional<cgroup::IoBytes>& io) {
  j[in_key] = io ? nlohmann::json(io->in) : nullptr;
  j[out_key] = io ? nlohmann::json(io->out) : nullptr;
}

// docker's "1.2kB / 648B"; "--" when unknown.
std::string stats_io_text(const std::optional<cgroup::IoBytes>& io) {
  if (!io) return "--";
  return human_size(double(io->in)) + " / " + human_size(double(io->out));
}

std::string percent_text(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", value);
  return buf;
}

nlohmann::json raw_stats_json(const containers::StatsSample& s) {
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"cpu_percent", s.cpu_percent},
                      {"cpu_usage_usec", s.stats.cpu_usage_usec},
                      {"cpu_throttled_usec", s.stats.cpu_throttled_usec},
                      {"memory_usage", s.stats.memory_current},
                      {"pids", s.stats.pids_current},
                      {"oom_kills", s.stats.oom_kills}};
  j["memory_limit"] = s.stats.memory_max ? nlohmann::json(*s.stats.memory_max) : nullptr;
  j["pids_limit"] = s.stats.pids_max ? nlohmann::json(*s.stats.pids_max) : nullptr;
  put_stats_io(j, "net_rx_bytes", "net_tx_bytes", s.net);
  put_stats_io(j, "block_read_bytes", "block_write_bytes", s.block);
  return j;
}

}  // namespace

std::vector<nlohmann::json> stats_rows(const std::vector<containers::StatsSample>& samples) {
  std::vector<nlohmann::json> rows;
  for (const auto& s : samples) {
    const auto& st = s.stats;
    std::string limit = st.memory_max ? human_size(double(*st.memory_max)) : "unlimited";
    double mem_percent = st.memory_max && *st.memory_max
                             ? 100.0 * double(st.memory_current) / double(*st.memory_max)
                             : 0.0;
    rows.push_back({{"Container", s.name.empty() ? s.id.substr(0, 12) : s.name},
                    {"ID", s.id.substr(0, 12)},
                    {"Name", s.name.empty() ? "--" : s.name},
                    {"CPUPerc", percent_text(s.cpu_percent)},
                    {"MemUsage", human_size(double(st.memory_current)) + " / " + limit},
                    {"MemPerc", percent_text(mem_percent)},
                    {"NetIO", stats_io_text(s.net)},
                    {"BlockIO", stats_io_text(s.block)},
                    {"PIDs", st.pids_current}});
  }
  return rows;
}

const std::map<std::string, std::string>& stats_headers() {
  static const std::map<std::string, std::string> headers = {{"Container", "CONTAINER"},
                                                             {"ID", "CONTAINER ID"},
                                                             {"Name", "NAME"},
                                                             {"CPUPerc", "CPU %"},
                                                             {"MemUsage", "MEM USAGE / LIMIT"},
                                                             {"MemPerc", "MEM %"},
                                                             {"NetIO", "NET I/O"},
                                                             {"BlockIO", "BLOCK I/O"},
                                                             {"PIDs", "PIDS"}};
  return headers;
}

Status check_stats_format(const std::string& format) {
  if (format.empty() || format == "table" || format == "json" || is_go_template(format)) return {};
  return fail(unknown_format(format));
}

Result<std::string> stats_output(const std::vector<containers::StatsSample>& samples,
                                 const std::string& format) {
  SBX_TRY(check_stats_format(format));
  if (format == "json") {
    std::string out;
    for (const auto& s : samples) out += raw_stats_json(s).dump() + "\n";
    return out;
  }
  std::string tmpl = format.empty() || format == "table" ? kStatsTable : format;
  // The header alone when nothing runs, as docker's table.
  return render_rows(tmpl, stats_rows(samples), stats_headers());
}

}  // namespace sbx::cli
