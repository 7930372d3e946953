// escape-probe's attempts on what belongs to the host: its processes (pids passed in as
// SBX_HOST_PIDS=PID,PID,... since nothing inside can know them), the root behind /proc/1/root,
// and the session keyring that sandbox was started with.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "escape.hpp"
#include "payload.hpp"

namespace sbx::payload::escape {
namespace {

std::vector<long> host_pids() {
  std::vector<long> pids;
  const char* list = std::getenv("SBX_HOST_PIDS");
  std::string text = list != nullptr ? list : "";
  for (size_t start = 0; start < text.size();) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    long pid = 0;
    if (parse_long(item.c_str(), &pid) && pid > 0) pids.push_back(pid);
    start = comma == std::string::npos ? text.size() : comma + 1;
  }
  return pids;
}

// A host pid may have the number of a process of ours; ours have our root.
bool is_container_pid(long pid, const struct stat& root) {
  struct stat other {};
  std::string path = "/proc/" + std::to_string(pid) + "/root";
  return stat(path.c_str(), &other) == 0 && same_inode(other, root);
}

// Runs `attempt` (0 or an errno) on each host pid that is not also a pid of ours: anything but
// ESRCH (no such process here) found a host process.
template <typename Attempt>
Outcome on_host_pids(const char* verb, Attempt attempt) {
  std::vector<long> pids = host_pids();
  if (pids.empty()) return skipped("no host pids given (SBX_HOST_PIDS)");
  struct stat root {};
  if (!stat_root(&root)) return blocked(errno);
  int tried = 0;
  for (long pid : pids) {
    if (is_container_pid(pid, root)) continue;
    ++tried;
    int result = attempt(static_cast<pid_t>(pid));
    if (result == 0) return escaped(std::string(verb) + " host pid " + std::to_string(pid));
    if (result != ESRCH) {
      return escaped(std::string(verb) + " host pid " + std::to_string(pid) + " found it (" +
                     errno_name(result) + ")");
    }
  }
  return contained(std::to_string(tried) + " host pids: ESRCH");
}

// Signal 0 checks existence and permission and delivers nothing.
Outcome probe_kill_host(const std::string&) {
  return on_host_pids("kill -0", [](pid_t pid) { return kill(pid, 0) == 0 ? 0 : errno; });
}

// PTRACE_SEIZE does not stop the tracee; a seize that worked is detached at once.
Outcome probe_ptrace_host(const std::string&) {
  return on_host_pids("ptrace", [](pid_t pid) {
    if (ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) return errno;
    ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
    return 0;
  });
}

// /proc/1/root of the container's pid 1 is our own root: our pid 1 is init, not the host's.
Outcome probe_proc1_root(const std::string&) {
  struct stat root {};
  struct stat one {};
  if (!stat_root(&root)) return blocked(errno);
  if (stat("/proc/1/root", &one) != 0) return blocked(errno);
  if (!same_inode(one, root)) return escaped("/proc/1/root is another directory");
  int fd = open("/proc/1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return blocked(errno);
  bool inside = climbs_to_root(fd, root);
  close(fd);
  if (!inside) return escaped("/proc/1/root/.. climbs above our root");
  char target[64] = {};
  ssize_t length = readlink("/proc/1/root", target, sizeof target - 1);
  return contained(length > 0 ? std::string("-> ") + target : std::string());
}

// The keys linked into a keyring, as "type;uid;gid;perm;description" each.
std::vector<std::string> keyring_keys(long keyring) {
  std::array<int32_t, 64> serials{};
  long size = syscall(SYS_keyctl, KEYCTL_READ, keyring, serials.data(), sizeof serials);
  std::vector<std::string> keys;
  for (long i = 0; size > 0 && i < size / 4 && i < static_cast<long>(serials.size()); ++i) {
    char description[256] = {};
    long got = syscall(SYS_keyctl, KEYCTL_DESCRIBE, serials[i], description, sizeof description);
    keys.push_back(got > 0 ? std::string(description)
                           : "key " + std::to_string(serials[i]) + " (" + errno_name(errno) + ")");
  }
  return keys;
}

// The session keyring is inherited through fork, clone and execve: one that sandbox was started
// with would let the container read the user's keys (a login's kerberos ticket, say). runc and
// crun join a new session keyring for each container; a key in ours at the start came from
// outside.
Outcome probe_keyctl(const std::string&) {
  long keyring = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (keyring < 0) return blocked(errno);
  std::vector<std::string> keys = keyring_keys(keyring);
  if (!keys.empty()) return escaped("the session keyring holds " + keys.front());
  char description[256] = {};
  long got = syscall(SYS_keyctl, KEYCTL_DESCRIBE, keyring, description, sizeof description);
  const char* name = got > 0 ? std::strrchr(description, ';') : nullptr;
  return contained(std::string("session keyring ") + (name != nullptr ? name + 1 : "?") +
                   " is empty");
}

constexpr std::array<EscapeProbe, 4> kProbes = {{
    {"proc1-root", probe_proc1_root},
    {"kill-host", probe_kill_host},
    {"ptrace-host", probe_ptrace_host},
    {"keyctl", probe_keyctl},
}};

}  // namespace

std::span<const EscapeProbe> host_probes() { return kProbes; }

}  // namespace sbx::payload::escape
