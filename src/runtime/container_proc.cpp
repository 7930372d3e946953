// Small facts about processes and time that the container state relies on.
#include <time.h>

#include <cstdio>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/runtime/container_state.hpp"

namespace sbx::runtime {
namespace {

struct ProcStat {
  char state = 0;
  uint64_t start_time = 0;
};

// /proc/<pid>/stat: "pid (comm) S ppid ... starttime(22) ..."; comm may hold
// spaces and parentheses, so fields are counted after the last ')'.
std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
  ProcStat st;
  st.state = (*text)[close + 2];
  // Field 3 is the state; field 22 is 19 fields further on.
  size_t pos = close + 2;
  for (int field = 3; field < 22; ++field) {
    pos = text->find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  st.start_time = std::strtoull(text->c_str() + pos, nullptr, 10);
  return st;
}

}  // namespace

uint64_t process_start_time(pid_t pid) {
  auto st = read_proc_stat(pid);
  return st ? st->start_time : 0;
}

bool process_alive(pid_t pid, uint64_t start_time) {
  auto st = read_proc_stat(pid);
  if (!st || st->state == 'Z' || st->state == 'X') return false;
  return start_time == 0 || st->start_time == start_time;
}

std::string now_rfc3339() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", static_cast<long>(ts.tv_nsec));
  return buf;
}

}  // namespace sbx::runtime
