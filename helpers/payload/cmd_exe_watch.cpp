// exe-watch SECONDS [FLAG_FILE]: the CVE-2019-5736 attacker, as container root would play it.
// It polls /proc for processes whose executable is not a file of this container (the runtime's
// own binary run inside through `#!/proc/self/exe` would be one), holds each such executable by
// an O_PATH fd while the process lives, and once the process has exited (a running executable
// cannot be opened for writing) tries to reopen it for writing. Nothing is ever written.
// Prints "caught PID EXE: contained (WHY)" or "caught PID EXE: ESCAPED (opened for writing)"
// per exited process, then "exe-watch: N judged, M escaped". Creates FLAG_FILE after the first
// judgement, so a test knows when to stop feeding it processes. Exit 1 if anything escaped, 3 if
// nothing was judged in time.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "payload.hpp"

namespace sbx::payload {
namespace {

struct Held {
  long pid = 0;
  int fd = -1;  // O_PATH on the process's executable
  std::string target;
};

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// True when the executable behind `fd` is not the file its link names inside this container.
bool outside_the_container(int fd, const std::string& target) {
  struct stat held {};
  struct stat by_name {};
  if (fstat(fd, &held) != 0) return false;
  return stat(target.c_str(), &by_name) != 0 || !same_file(held, by_name);
}

std::string read_link(const std::string& link) {
  char buffer[4096];
  ssize_t length = readlink(link.c_str(), buffer, sizeof buffer - 1);
  return std::string(buffer, length > 0 ? static_cast<size_t>(length) : 0);
}

bool already_held(const std::vector<Held>& held, long pid, const std::string& target) {
  for (const Held& h : held)
    if (h.pid == pid && h.target == target) return true;
  return false;
}

// One pass over /proc: hold every executable of another process that lies outside.
void hold_new_executables(std::vector<Held>& held) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return;
  long self = getpid();
  while (struct dirent* entry = readdir(dir)) {
    long pid = 0;
    if (!parse_long(entry->d_name, &pid) || pid == self || pid == 1) continue;
    std::string link = "/proc/" + std::string(entry->d_name) + "/exe";
    int fd = open(link.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) continue;  // gone, or not dumpable: nothing to hold
    std::string target = read_link(link);
    if (already_held(held, pid, target) || !outside_the_container(fd, target)) {
      close(fd);
      continue;
    }
    held.push_back({pid, fd, target});
  }
  closedir(dir);
}

// The write-open of an executable whose process has exited. ETXTBSY only means that some other
// process still runs it (the runtime's own parent process, say): the attacker waits, up to
// `patience` seconds.
bool judge(const Held& h, double patience) {
  std::string reopen = "/proc/self/fd/" + std::to_string(h.fd);
  double give_up = now_seconds() + patience;
  int writable = -1;
  while ((writable = open(reopen.c_str(), O_WRONLY | O_CLOEXEC)) < 0 && errno == ETXTBSY &&
         now_seconds() < give_up) {
    timespec pause_time = {0, 10 * 1000 * 1000};
    nanosleep(&pause_time, nullptr);
  }
  std::string verdict;
  bool escaped = false;
  if (writable < 0) {
    verdict = std::string("contained (") + errno_name(errno) + ")";
  } else {
    // A sealed memfd opens, but can never be written (F_SEAL_WRITE).
    int seals = fcntl(writable, F_GET_SEALS);
    escaped = seals < 0 || (seals & F_SEAL_WRITE) == 0;
    verdict = escaped ? "ESCAPED (opened for writing)" : "contained (sealed memfd)";
    close(writable);
  }
  std::printf("caught %ld %s: %s\n", h.pid, h.target.c_str(), verdict.c_str());
  std::fflush(stdout);
  return escaped;
}

int run_exe_watch(std::span<char* const> args) {
  long seconds = 0;
  if (args.empty() || args.size() > 2 || !parse_long(args[0], &seconds))
    return usage_error("exe-watch", "SECONDS [FLAG_FILE]");
  const char* flag_file = args.size() == 2 ? args[1] : nullptr;
  double deadline = now_seconds() + static_cast<double>(seconds);
  std::vector<Held> held;
  int judged = 0;
  int escapes = 0;
  while (now_seconds() < deadline && (judged == 0 || flag_file == nullptr)) {
    hold_new_executables(held);
    for (Held& h : held) {
      if (h.fd < 0 || kill(static_cast<pid_t>(h.pid), 0) == 0 || errno != ESRCH) continue;
      escapes += judge(h, 10) ? 1 : 0;
      close(h.fd);
      h.fd = -1;
      if (judged++ == 0 && flag_file != nullptr) close(open(flag_file, O_CREAT | O_WRONLY, 0644));
    }
  }
  std::printf("exe-watch: %d judged, %d escaped\n", judged, escapes);
  if (escapes > 0) return kExitFailed;
  return judged > 0 ? kExitOk : 3;
}

constexpr std::array<CommandEntry, 1> kCommands = {{
    {"exe-watch", "SECONDS [FLAG_FILE] (hold foreign /proc/PID/exe, write-open after exit)",
     run_exe_watch},
}};

}  // namespace

std::span<const CommandEntry> exe_watch_commands() { return kCommands; }

}  // namespace sbx::payload
