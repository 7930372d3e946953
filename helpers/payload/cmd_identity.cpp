// What the process is and sees: ids, capabilities, cwd, environment, hostname, processes,
// open fds, mounts, terminal and limits.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "payload.hpp"

extern char** environ;

namespace sbx::payload {
namespace {

int run_id(std::span<char* const>) {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  std::array<gid_t, 256> groups{};
  int count = getgroups(static_cast<int>(groups.size()), groups.data());
  if (count < 0) return report_failure("getgroups", errno);
  std::printf("uid=%u euid=%u suid=%u gid=%u egid=%u sgid=%u groups=", ruid, euid, suid, rgid, egid,
              sgid);
  for (int i = 0; i < count; ++i) std::printf(i == 0 ? "%u" : ",%u", groups[i]);
  std::printf("\n");
  return kExitOk;
}

// Prints the /proc/self/status lines whose key is in keys, verbatim.
int print_status_lines(std::span<const char* const> keys) {
  FILE* file = std::fopen("/proc/self/status", "re");
  if (file == nullptr) return report_failure("open(/proc/self/status)", errno);
  char line[512];
  while (std::fgets(line, sizeof line, file) != nullptr) {
    const char* colon = std::strchr(line, ':');
    if (colon == nullptr) continue;
    size_t key_len = static_cast<size_t>(colon - line);
    for (const char* key : keys) {
      if (std::strlen(key) == key_len && std::strncmp(line, key, key_len) == 0) {
        std::fputs(line, stdout);
      }
    }
  }
  std::fclose(file);
  return kExitOk;
}

int run_caps(std::span<char* const>) {
  static constexpr std::array<const char*, 8> kKeys = {
      "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"};
  return print_status_lines(kKeys);
}

// The kernel's own answer (raw syscall): "(unreachable)/..." when the cwd is outside the root,
// which glibc's getcwd would hide behind ENOENT.
int run_cwd(std::span<char* const>) {
  char buffer[4096];
  long length = syscall(SYS_getcwd, buffer, sizeof buffer);
  if (length < 0) return report_failure("getcwd", errno);
  std::printf("%s\n", buffer);
  return kExitOk;
}

int run_env(std::span<char* const>) {
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::printf("%s\n", *entry);
  }
  return kExitOk;
}

int run_hostname(std::span<char* const>) {
  struct utsname names {};
  if (uname(&names) != 0) return report_failure("uname", errno);
  std::printf("%s\n", names.nodename);
  return kExitOk;
}

bool is_pid_name(const char* name) {
  if (*name == '\0') return false;
  for (const char* c = name; *c != '\0'; ++c) {
    if (!std::isdigit(static_cast<unsigned char>(*c))) return false;
  }
  return true;
}

// Reads "(comm) S" from /proc/PID/stat; false if the process vanished.
bool read_pid_state(const char* pid, char* comm, size_t comm_size, char* state) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return false;
  char line[1024];
  bool ok = std::fgets(line, sizeof line, file) != nullptr;
  std::fclose(file);
  if (!ok) return false;
  char* open = std::strchr(line, '(');
  char* close = std::strrchr(line, ')');
  if (open == nullptr || close == nullptr || close[1] == '\0' || close[2] == '\0') return false;
  size_t length = std::min(static_cast<size_t>(close - open - 1), comm_size - 1);
  std::memcpy(comm, open + 1, length);
  comm[length] = '\0';
  *state = close[2];
  return true;
}

// One line per visible process: "PID STATE COMM"; with count_zombies only "zombies=N".
int list_processes(bool count_zombies) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return report_failure("opendir(/proc)", errno);
  int zombies = 0;
  while (struct dirent* entry = readdir(dir)) {
    if (!is_pid_name(entry->d_name)) continue;
    char comm[64];
    char state = '?';
    if (!read_pid_state(entry->d_name, comm, sizeof comm, &state)) continue;
    if (state == 'Z') ++zombies;
    if (!count_zombies) std::printf("%s %c %s\n", entry->d_name, state, comm);
  }
  closedir(dir);
  if (count_zombies) std::printf("zombies=%d\n", zombies);
  return kExitOk;
}

int run_pids(std::span<char* const>) { return list_processes(false); }
int run_zombies(std::span<char* const>) { return list_processes(true); }

// "FD -> TARGET" for every open fd above 2 except the one reading the directory.
int run_fds(std::span<char* const>) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return report_failure("opendir(/proc/self/fd)", errno);
  int own = dirfd(dir);
  while (struct dirent* entry = readdir(dir)) {
    long fd = 0;
    if (!parse_long(entry->d_name, &fd) || fd <= 2 || fd == own) continue;
    char path[64];
    char target[4096];
    std::snprintf(path, sizeof path, "/proc/self/fd/%ld", fd);
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length < 0) continue;
    target[length] = '\0';
    std::printf("%ld -> %s\n", fd, target);
  }
  closedir(dir);
  return kExitOk;
}

int run_mounts(std::span<char* const>) {
  if (!copy_file_to_stdout("/proc/self/mountinfo")) {
    return report_failure("read(/proc/self/mountinfo)", errno);
  }
  return kExitOk;
}

// "stdin=tty ttyname=/dev/pts/0 rows=24 cols=80" or "stdin=notty".
int run_tty(std::span<char* const>) {
  std::array<int, 3> fds = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  std::array<const char*, 3> names = {"stdin", "stdout", "stderr"};
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!isatty(fds[i])) {
      std::printf("%s=notty\n", names[i]);
      continue;
    }
    struct winsize size {};
    ioctl(fds[i], TIOCGWINSZ, &size);
    const char* name = ttyname(fds[i]);
    std::printf("%s=tty ttyname=%s rows=%u cols=%u\n", names[i], name ? name : "?", size.ws_row,
                size.ws_col);
  }
  return kExitOk;
}

struct LimitName {
  const char* name;
  int resource;
};

int run_rlimits(std::span<char* const>) {
  static constexpr std::array<LimitName, 8> kLimits = {{{"nofile", RLIMIT_NOFILE},
                                                        {"nproc", RLIMIT_NPROC},
                                                        {"core", RLIMIT_CORE},
                                                        {"stack", RLIMIT_STACK},
                                                        {"memlock", RLIMIT_MEMLOCK},
                                                        {"fsize", RLIMIT_FSIZE},
                                                        {"cpu", RLIMIT_CPU},
                                                        {"as", RLIMIT_AS}}};
  for (const LimitName& limit : kLimits) {
    struct rlimit value {};
    if (getrlimit(limit.resource, &value) != 0) return report_failure("getrlimit", errno);
    auto show = [](rlim_t v) {
      if (v == RLIM_INFINITY) {
        std::printf("unlimited");
      } else {
        std::printf("%llu", static_cast<unsigned long long>(v));
      }
    };
    std::printf("%s ", limit.name);
    show(value.rlim_cur);
    std::printf(" ");
    show(value.rlim_max);
    std::printf("\n");
  }
  return kExitOk;
}

constexpr std::array<CommandEntry, 11> kCommands = {{
    {"id", "(uid/euid/suid gid/egid/sgid groups)", run_id},
    {"caps", "(Cap*, NoNewPrivs, Seccomp lines of /proc/self/status)", run_caps},
    {"cwd", "(kernel getcwd, shows (unreachable) paths)", run_cwd},
    {"env", "(one VAR=value a line)", run_env},
    {"hostname", "(uname nodename)", run_hostname},
    {"pids", "(PID STATE COMM of every visible process)", run_pids},
    {"zombies", "(zombies=N among visible processes)", run_zombies},
    {"fds", "(FD -> TARGET for open fds above 2)", run_fds},
    {"mounts", "(/proc/self/mountinfo)", run_mounts},
    {"tty", "(tty state and window size of fds 0-2)", run_tty},
    {"rlimits", "(NAME SOFT HARD)", run_rlimits},
}};

}  // namespace

std::span<const CommandEntry> identity_commands() { return kCommands; }

}  // namespace sbx::payload
