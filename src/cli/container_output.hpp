// Output of the container commands: `ps` (table, -q, json), `inspect`, `top`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::cli {

// docker's State word: created, running, paused, restarting or exited (ps's
// State field and what `ps --filter status=` matches).
std::string container_state(const containers::ContainerInfo& info);
// "Up 3 seconds", "Exited (0) 2 minutes ago", "Created", "Exited (unknown)".
std::string container_status_text(const containers::ContainerInfo& info, int64_t now);
// docker's columns: CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES,
// and SIZE when `sizes` (one per container) are given (ps -s).
std::string containers_table(const std::vector<containers::ContainerInfo>& containers, int64_t now,
                             bool no_trunc, const std::vector<std::string>& sizes = {});
std::string containers_quiet(const std::vector<containers::ContainerInfo>& containers,
                             bool no_trunc);
// The rows `ps --format TEMPLATE` renders, as docker names their fields (ID,
// Names, Image, ImageID, Command, CreatedAt, RunningFor, State, Status, Ports,
// ExitCode, Pid, and Size when `sizes` are given): short ID and quoted Command
// unless no_trunc, Names a string.
std::vector<nlohmann::json> container_rows(const std::vector<containers::ContainerInfo>& containers,
                                           int64_t now, bool no_trunc,
                                           const std::vector<std::string>& sizes = {});
// The header of each field in `ps --format 'table ...'`.
const std::map<std::string, std::string>& container_headers();
// `ps --format json`: an array of those objects with the full ID, Command as an
// array and Names an array, as podman prints them.
std::string containers_json(const std::vector<containers::ContainerInfo>& containers, int64_t now,
                            const std::vector<std::string>& sizes = {});
// docker's SIZE text: "12 B (virtual 4.2 MB)".
std::string container_size_text(uint64_t rw, uint64_t root_fs);
// `inspect`: an array of docker-shaped documents.
std::string containers_inspect_json(const std::vector<containers::ContainerInfo>& containers);
// `top`: UID PID PPID TIME CMD.
std::string processes_table(const std::vector<containers::ProcessRow>& rows);

}  // namespace sbx::cli
