#include "container_output.hpp"

#include <nlohmann/json.hpp>

#include "output.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/net/slirp.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::cli {
namespace {

using containers::ContainerInfo;
using containers::ContainerStatus;

std::string short_id(const std::string& id, bool no_trunc) {
  return no_trunc ? id : id.substr(0, 12);
}

// docker shows the command quoted, cut to 20 characters with an ellipsis.
std::string command_text(const ContainerInfo& info, bool no_trunc) {
  std::string joined;
  for (const auto& arg : info.spec.argv) joined += (joined.empty() ? "" : " ") + arg;
  if (!no_trunc && joined.size() > 19) joined = joined.substr(0, 17) + "...";
  return "\"" + joined + "\"";
}

std::string ports_text(const ContainerInfo& info) {
  std::string out;
  if (!info.runtime || info.status != ContainerStatus::kRunning) return out;
  for (const auto& p : info.runtime->ports) {
    if (!out.empty()) out += ", ";
    out += (p.host_ip.empty() ? "0.0.0.0" : p.host_ip) + ":" + std::to_string(p.host_port) + "->" +
           std::to_string(p.container_port) + "/" + p.protocol;
  }
  return out;
}

std::string without_ago(std::string text) {
  if (text.ends_with(" ago")) text.resize(text.size() - 4);
  return text;
}

// docker's " (healthy)", " (health: starting)", " (unhealthy)".
// Only while it runs: an ended container keeps its last health for inspect.
std::string health_suffix(const ContainerInfo& info) {
  if (!info.health || info.status != ContainerStatus::kRunning) return "";
  if (info.health->status == "starting") return " (health: starting)";
  return " (" + info.health->status + ")";
}

std::string container_status_base(const ContainerInfo& info, int64_t now) {
  switch (info.status) {
    case ContainerStatus::kRunning:
      // slirp4netns died under it: it runs without a network.
      if (info.runtime && info.runtime->slirp_pid > 0 &&
          !net::slirp_alive(info.runtime->slirp_pid, info.runtime->pid))
        return "Up " + without_ago(time_ago(store::parse_rfc3339(info.started_at), now)) +
               " (network down: slirp4netns exited)";
      return "Up " + without_ago(time_ago(store::parse_rfc3339(info.started_at), now)) +
             (info.paused ? " (Paused)" : "");
    case ContainerStatus::kExited:
      return "Exited (" + std::to_string(info.exit->exit_code) + ") " +
             time_ago(store::parse_rfc3339(info.exit->finished_at), now);
    case ContainerStatus::kUnknown:
      return "Exited (unknown)";
    case ContainerStatus::kCreated:
      return "Created";
  }
  return "";
}

}  // namespace

std::string container_state(const ContainerInfo& info) {
  if (info.paused) return "paused";
  if (info.restarting) return "restarting";
  if (info.status == ContainerStatus::kUnknown) return "exited";
  return std::string(containers::to_string(info.status));
}

std::string container_status_text(const ContainerInfo& info, int64_t now) {
  if (info.restarting && info.exit)
    return "Restarting (" + std::to_string(info.exit->exit_code) + ") " +
           time_ago(store::parse_rfc3339(info.exit->finished_at), now);
  return container_status_base(info, now) + health_suffix(info);
}

std::string containers_table(const std::vector<ContainerInfo>& containers, int64_t now,
                             bool no_trunc, const std::vector<std::string>& sizes) {
  std::vector<std::string> header{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                  "STATUS",       "PORTS", "NAMES"};
  if (!sizes.empty()) header.push_back("SIZE");
  Table table(header);
  for (size_t i = 0; i < containers.size(); ++i) {
    const ContainerInfo& c = containers[i];
    std::vector<std::string> row{short_id(c.id, no_trunc),
                                 c.image,
                                 command_text(c, no_trunc),
                                 time_ago(store::parse_rfc3339(c.created_at), now),
                                 container_status_text(c, now),
                                 ports_text(c),
                                 c.name};
    if (i < sizes.size()) row.push_back(sizes[i]);
    table.add_row(row);
  }
  return table.render();
}

std::string container_size_text(uint64_t rw, uint64_t root_fs) {
  return human_size(double(rw)) + " (virtual " + human_size(double(root_fs)) + ")";
}

std::string containers_quiet(const std::vector<ContainerInfo>& containers, bool no_trunc) {
  std::string out;
  for (const auto& c : containers) out += short_id(c.id, no_trunc) + "\n";
  return out;
}

std::vector<nlohmann::json> container_rows(const std::vector<ContainerInfo>& containers,
                                           int64_t now, bool no_trunc,
                                           const std::vector<std::string>& sizes) {
  std::vector<nlohmann::json> rows;
  for (const auto& c : containers) {
    bool running = c.status == ContainerStatus::kRunning;
    rows.push_back({{"ID", short_id(c.id, no_trunc)},
                    {"Names", c.name},
                    {"Image", c.image},
                    {"ImageID", c.image_id},
                    {"Command", command_text(c, no_trunc)},
                    {"CreatedAt", c.created_at},
                    {"RunningFor", time_ago(store::parse_rfc3339(c.created_at), now)},
                    {"State", container_state(c)},
                    {"Status", container_status_text(c, now)},
                    {"Ports", ports_text(c)},
                    {"ExitCode", c.exit ? c.exit->exit_code : (running ? 0 : -1)},
                    {"Pid", running ? c.runtime->pid : 0}});
    if (rows.size() <= sizes.size()) rows.back()["Size"] = sizes[rows.size() - 1];
  }
  return rows;
}

const std::map<std::string, std::string>& container_headers() {
  static const std::map<std::string, std::string> headers = {
      {"ID", "CONTAINER ID"},    {"Names", "NAMES"},        {"Image", "IMAGE"},
      {"ImageID", "IMAGE ID"},   {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
      {"RunningFor", "CREATED"}, {"State", "STATE"},        {"Status", "STATUS"},
      {"Ports", "PORTS"},        {"ExitCode", "EXIT CODE"}, {"Pid", "PID"},
      {"Size", "SIZE"}};
  return headers;
}

std::string containers_json(const std::vector<ContainerInfo>& containers, int64_t now,
                            const std::vector<std::string>& sizes) {
  nlohmann::json array = nlohmann::json::array();
  std::vector<nlohmann::json> rows = container_rows(containers, now, true, sizes);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i]["Names"] = nlohmann::json::array({containers[i].name});  // podman's shape
    rows[i]["Command"] = containers[i].spec.argv;
    array.push_back(std::move(rows[i]));
  }
  return array.dump(4) + "\n";
}

std::string containers_inspect_json(const std::vector<ContainerInfo>& containers) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& c : containers)
    array.push_back(nlohmann::json::parse(containers::container_info_to_json(c)));
  return array.dump(4) + "\n";
}

std::string processes_table(const std::vector<containers::ProcessRow>& rows) {
  Table table({"UID", "PID", "PPID", "TIME", "CMD"});
  for (const auto& r : rows)
    table.add_row(
        {std::to_string(r.uid), std::to_string(r.pid), std::to_string(r.ppid), r.time, r.command});
  return table.render();
}

}  // namespace sbx::cli
