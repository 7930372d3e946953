// The section parsers of config.json (private to src/oci): each takes its
// object with its path and returns the typed section or the first bad field.
#pragma once

#include <string>
#include <vector>

#include "json_reader.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci::detail {

Result<Process> parse_process(const ObjectReader& process);
Result<Linux> parse_linux(const ObjectReader& linux_section, std::vector<std::string>& warnings);
Result<Resources> parse_resources(const ObjectReader& resources);
Result<Seccomp> parse_seccomp(const ObjectReader& seccomp);

// Each entry is KEY=VALUE with a non-empty KEY and no NUL (what execve and
// runc's environment setup accept); `path` names the list.
Status check_env(const std::vector<std::string>& env, std::string_view path);

// uidMappings / gidMappings ([{containerID, hostID, size}]) under `parent`.
Result<std::vector<userns::IdMapEntry>> parse_id_mappings(const ObjectReader& parent,
                                                          std::string_view key);

}  // namespace sbx::oci::detail
