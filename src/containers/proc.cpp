// Small facts about processes and time that the container state relies on.
#include <time.h>

#include <cstdio>
#include <string>

#include "sandbox/base/process.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

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

}  // namespace sbx::containers
