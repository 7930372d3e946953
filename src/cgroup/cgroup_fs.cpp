#include "sandbox/cgroup/cgroup_fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <sstream>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/cgroup/host_check.hpp"

namespace sbx::cgroup {
namespace {

// Interface files take one write(2); a short or failed write is the error.
Status write_interface(const std::filesystem::path& file, std::string_view value) {
  auto fd = SBX_TRY(open_file(file, O_WRONLY | O_CLOEXEC));
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) return fail_errno("write " + std::string(value), file.string());
  return {};
}

std::optional<uint64_t> number_or_max(std::string_view text) {
  text = trim(text);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

uint64_t read_number(const std::filesystem::path& file) {
  auto text = read_file(file);
  return text ? number_or_max(*text).value_or(0) : 0;
}

}  // namespace

std::filesystem::path cgroup_dir(std::string_view v2_path) {
  while (v2_path.starts_with('/')) v2_path.remove_prefix(1);
  return std::filesystem::path(kCgroupMount) / std::string(v2_path);
}

Result<std::string> cgroup_of(pid_t pid) {
  auto text = SBX_TRY(read_file("/proc/" + std::to_string(pid) + "/cgroup"));
  return unified_path_from_proc_cgroup(text);
}

std::vector<std::string> read_controllers(const std::filesystem::path& cgroup) {
  std::vector<std::string> names;
  if (auto text = read_file(cgroup / "cgroup.controllers"))
    for (auto& name : split(trim(*text), ' '))
      if (!name.empty()) names.push_back(name);
  return names;
}

Status enable_controllers(const std::filesystem::path& cgroup,
                          const std::vector<std::string>& names) {
  for (const auto& name : names)
    SBX_TRY_CTX(write_interface(cgroup / "cgroup.subtree_control", "+" + name),
                "enable controller " + name);
  return {};
}

Status move_process(const std::filesystem::path& cgroup, pid_t pid) {
  return write_interface(cgroup / "cgroup.procs", std::to_string(pid));
}

Status kill_all(const std::filesystem::path& cgroup) {
  return write_interface(cgroup / "cgroup.kill", "1");
}

Status write_limits(const std::filesystem::path& cgroup, const Limits& limits) {
  for (const auto& w : limit_writes(limits)) SBX_TRY(write_interface(cgroup / w.file, w.value));
  return {};
}

std::optional<uint64_t> flat_keyed_value(std::string_view text, std::string_view key) {
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    size_t space = line.find(' ');
    if (space == std::string::npos || std::string_view(line).substr(0, space) != key) continue;
    return number_or_max(std::string_view(line).substr(space + 1));
  }
  return std::nullopt;
}

bool oom_killed(const std::filesystem::path& cgroup) {
  auto text = read_file(cgroup / "memory.events");
  return text && flat_keyed_value(*text, "oom_kill").value_or(0) > 0;
}

Result<Stats> read_stats(const std::filesystem::path& cgroup) {
  if (!path_exists(cgroup / "cgroup.procs"))
    return fail("no cgroup at " + cgroup.string() + " (has the container exited?)");
  Stats s;
  s.memory_current = read_number(cgroup / "memory.current");
  if (auto text = read_file(cgroup / "memory.max")) s.memory_max = number_or_max(*text);
  if (auto text = read_file(cgroup / "cpu.stat")) {
    s.cpu_usage_usec = flat_keyed_value(*text, "usage_usec").value_or(0);
    s.cpu_user_usec = flat_keyed_value(*text, "user_usec").value_or(0);
    s.cpu_system_usec = flat_keyed_value(*text, "system_usec").value_or(0);
    s.cpu_throttled_usec = flat_keyed_value(*text, "throttled_usec").value_or(0);
  }
  s.pids_current = read_number(cgroup / "pids.current");
  if (auto text = read_file(cgroup / "pids.max")) s.pids_max = number_or_max(*text);
  if (auto text = read_file(cgroup / "memory.events"))
    s.oom_kills = flat_keyed_value(*text, "oom_kill").value_or(0);
  return s;
}

}  // namespace sbx::cgroup
