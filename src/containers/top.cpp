// `top`: every host process in the container's pid namespace, read from /proc
// on the host side (nothing runs inside the container).
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"

namespace sbx::containers {
namespace {

std::string ns_of(pid_t pid, const char* ns) {
  char buf[64];
  std::string link = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Host uid -> container uid through the container's uid_map ("inside outside count").
uint32_t inside_uid(const std::string& uid_map, uint32_t host_uid) {
  std::istringstream lines(uid_map);
  uint64_t inside, outside, count;
  while (lines >> inside >> outside >> count)
    if (host_uid >= outside && host_uid < outside + count)
      return static_cast<uint32_t>(inside + (host_uid - outside));
  return 65534;  // unmapped: nobody
}

std::string cpu_time(uint64_t ticks) {
  long hz = ::sysconf(_SC_CLK_TCK);
  uint64_t seconds = ticks / static_cast<uint64_t>(hz > 0 ? hz : 100);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu",
                static_cast<unsigned long long>(seconds / 3600),
                static_cast<unsigned long long>(seconds / 60 % 60),
                static_cast<unsigned long long>(seconds % 60));
  return buf;
}

// ppid (field 4), utime + stime (14, 15) and comm from /proc/<pid>/stat.
bool read_stat(pid_t pid, ProcessRow& row, std::string& comm) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return false;
  size_t open = text->find('('), close = text->rfind(')');
  if (open == std::string::npos || close == std::string::npos) return false;
  comm = text->substr(open + 1, close - open - 1);
  std::istringstream fields(text->substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (fields >> field && f.size() < 14) f.push_back(field);
  if (f.size() < 14) return false;
  row.ppid = static_cast<pid_t>(std::stol(f[1]));  // fields from 3: state, ppid, ...
  row.time = cpu_time(std::stoull(f[11]) + std::stoull(f[12]));
  return true;
}

std::optional<ProcessRow> read_process(pid_t pid, const std::string& uid_map) {
  ProcessRow row;
  row.pid = pid;
  std::string comm;
  if (!read_stat(pid, row, comm)) return std::nullopt;
  auto status = read_file("/proc/" + std::to_string(pid) + "/status").value_or("");
  if (size_t at = status.find("\nUid:"); at != std::string::npos)
    row.uid = inside_uid(uid_map, static_cast<uint32_t>(std::stoul(status.substr(at + 5))));
  std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  row.command = cmdline.empty() ? "[" + comm + "]" : cmdline;
  return row;
}

}  // namespace

Result<std::vector<ProcessRow>> container_processes(const Containers& containers,
                                                    const std::string& id) {
  auto info = SBX_TRY(containers.info(id));
  if (info.status != ContainerStatus::kRunning)
    return fail(Error("container " + info.name + " is not running")
                    .with_hint("start it first: sandbox start " + info.name));
  pid_t init = info.runtime->pid;
  std::string pid_ns = ns_of(init, "pid");
  if (pid_ns.empty()) return fail_errno("readlink", "/proc/" + std::to_string(init) + "/ns/pid");
  std::string uid_map = read_file("/proc/" + std::to_string(init) + "/uid_map").value_or("");
  std::vector<ProcessRow> rows;
  DIR* proc = ::opendir("/proc");
  if (!proc) return fail_errno("opendir", "/proc");
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end || pid <= 0 || ns_of(static_cast<pid_t>(pid), "pid") != pid_ns) continue;
    if (auto row = read_process(static_cast<pid_t>(pid), uid_map)) rows.push_back(*row);
  }
  ::closedir(proc);
  std::ranges::sort(rows, {}, &ProcessRow::pid);
  return rows;
}

}  // namespace sbx::containers
