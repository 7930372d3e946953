// escape-probe [NAME...]: tries well-known ways out of a container and prints one line each:
// "NAME: contained", "NAME: blocked (EPERM)", "NAME: skipped (why)" or "NAME: ESCAPED (what)".
// Exit 1 when anything escaped. Nothing here writes to a host file: a write-open that works
// is closed unused. This file holds the filesystem and /proc probes and runs every table;
// escape_kernel.cpp the kernel-facing calls, escape_host.cpp host processes and keys.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "escape.hpp"
#include "payload.hpp"

namespace sbx::payload {
namespace escape {

Outcome contained(std::string detail) { return {Outcome::kContained, std::move(detail)}; }
Outcome blocked(int errno_value) { return {Outcome::kBlocked, errno_name(errno_value)}; }
Outcome skipped(std::string why) { return {Outcome::kSkipped, std::move(why)}; }
Outcome escaped(std::string what) { return {Outcome::kEscaped, std::move(what)}; }

bool same_inode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool stat_root(struct stat* root) { return stat("/", root) == 0; }

std::vector<std::string> visible_pids() {
  std::vector<std::string> pids;
  if (DIR* dir = opendir("/proc")) {
    while (struct dirent* entry = readdir(dir)) {
      long pid = 0;
      if (parse_long(entry->d_name, &pid)) pids.emplace_back(entry->d_name);
    }
    closedir(dir);
  }
  return pids;
}

bool climbs_to_root(int dir_fd, const struct stat& root) {
  int current = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  struct stat here {};
  for (int step = 0; current >= 0 && step < 4096; ++step) {
    if (fstat(current, &here) != 0) break;
    int parent = openat(current, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat above {};
    if (parent < 0 || fstat(parent, &above) != 0 || same_inode(here, above)) {
      if (parent >= 0) close(parent);
      break;
    }
    close(current);
    current = parent;
  }
  if (current >= 0) close(current);
  return same_inode(here, root);
}

}  // namespace escape

namespace {

using namespace escape;

// A path outside the container's root: a directory that climbs elsewhere, or (check_files) a
// file whose path names no or another inode inside the container. EACCES on that path proves
// nothing, so it does not count.
bool points_outside(const char* link, const struct stat& root, bool check_files,
                    std::string* where) {
  int fd = open(link, O_PATH | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat info {};
  bool outside = false;
  char target[4096];
  ssize_t length = readlink(link, target, sizeof target - 1);
  target[length > 0 ? length : 0] = '\0';
  std::string path = target;
  bool is_path =
      path.starts_with("/") && !path.starts_with("/memfd:") && !path.ends_with(" (deleted)");
  if (fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      outside = !climbs_to_root(fd, root);
    } else if (is_path && check_files) {
      struct stat by_name {};
      if (stat(target, &by_name) == 0) {
        outside = !same_inode(info, by_name);
      } else {
        outside = errno == ENOENT || errno == ENOTDIR;
      }
    }
  }
  close(fd);
  if (outside) *where = std::string(link) + " -> " + path;
  return outside;
}

// /proc/PID/root of every visible process is our root.
Outcome probe_proc_root() {
  struct stat root {};
  if (!stat_root(&root)) return blocked(errno);
  for (const std::string& pid : visible_pids()) {
    std::string path = "/proc/" + pid + "/root/../../..";
    struct stat other {};
    if (stat(path.c_str(), &other) == 0 && !same_inode(other, root)) {
      return escaped("/proc/" + pid + "/root is another root");
    }
  }
  return contained();
}

// CVE-2024-21626 class: a cwd or directory fd of any visible process reaching outside the
// root, or a host file among our own fds above 2. Stdio may be host files by design (sandbox
// passes its own through, as `sandbox run > log` must work), and shells copy stdio to high fds,
// so other processes' files are not judged.
Outcome probe_fd_leak() {
  struct stat root {};
  if (!stat_root(&root)) return blocked(errno);
  std::string where;
  int checked = 0;
  for (const std::string& pid : visible_pids()) {
    std::string base = "/proc/" + pid;
    if (points_outside((base + "/cwd").c_str(), root, false, &where)) return escaped(where);
    bool self = std::to_string(getpid()) == pid;
    DIR* dir = opendir((base + "/fd").c_str());
    if (dir == nullptr) continue;
    while (struct dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      ++checked;
      long fd = 0;
      bool check_files = self && parse_long(entry->d_name, &fd) && fd > 2;
      if (points_outside((base + "/fd/" + entry->d_name).c_str(), root, check_files, &where)) {
        break;
      }
    }
    closedir(dir);
    if (!where.empty()) return escaped(where);
  }
  return contained(std::to_string(checked) + " fds");
}

// CVE-2019-5736 class: hold /proc/PID/exe of every visible process, let short-lived ones exit,
// then try to reopen each for writing. Writable binaries inside the rootfs are fine; one that
// the container cannot reach by path (the runtime's own binary) is an escape.
Outcome probe_exe_write() {
  std::vector<std::pair<int, std::string>> held;
  for (const std::string& pid : visible_pids()) {
    std::string link = "/proc/" + pid + "/exe";
    int fd = open(link.c_str(), O_PATH | O_CLOEXEC);
    if (fd >= 0) held.emplace_back(fd, link);
  }
  struct timespec pause_time = {0, 100 * 1000 * 1000};
  nanosleep(&pause_time, nullptr);
  std::string found;
  for (auto& [fd, link] : held) {
    std::string reopen = "/proc/self/fd/" + std::to_string(fd);
    int writable = open(reopen.c_str(), O_WRONLY | O_CLOEXEC);
    if (writable >= 0) {
      struct stat info {};
      struct stat by_name {};
      char target[4096];
      ssize_t length = readlink(reopen.c_str(), target, sizeof target - 1);
      target[length > 0 ? length : 0] = '\0';
      bool inside =
          fstat(writable, &info) == 0 && stat(target, &by_name) == 0 && same_inode(info, by_name);
      if (!inside && found.empty()) found = link + " (" + target + ") opened for writing";
      close(writable);
    }
    close(fd);
  }
  if (!found.empty()) return escaped(found);
  int self = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
  if (self >= 0) {
    close(self);
    return contained(std::to_string(held.size()) + " exes; own exe writable");
  }
  return contained(std::to_string(held.size()) + " exes");
}

// A scratch directory for probes that need one.
std::string make_scratch() {
  for (const char* parent : {"/tmp", "/dev/shm", "/run", "/var/tmp", ""}) {
    std::string pattern = std::string(parent) + "/sbx-escape-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) return pattern;
  }
  return {};
}

// The classic: chroot into a subdir, climb "..", chroot("."). Runs in a child.
Outcome probe_chroot(const std::string& scratch) {
  if (scratch.empty()) return skipped("no writable directory");
  struct stat root {};
  if (!stat_root(&root)) return blocked(errno);
  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    int result = 0;  // 0 contained, 1 escaped, else 100 + errno
    if (chroot(scratch.c_str()) != 0) {
      result = 100 + errno;
    } else {
      for (int i = 0; i < 256; ++i) (void)chdir("..");
      struct stat after {};
      result =
          chroot(".") != 0 ? 100 + errno : (stat("/", &after) == 0 && !same_inode(after, root));
    }
    _exit(result);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) < 0) return blocked(errno);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  if (code == 0) return contained();
  if (code == 1) return escaped("chroot + .. reached another root");
  return blocked(code >= 100 ? code - 100 : EINTR);
}

// A device node the container could open would give raw disk or memory access.
Outcome probe_mknod(const std::string& scratch, mode_t type, dev_t device) {
  if (scratch.empty()) return skipped("no writable directory");
  std::string node = scratch + "/node";
  if (mknod(node.c_str(), type | 0600, device) != 0) return blocked(errno);
  int fd = open(node.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  int saved = errno;
  unlink(node.c_str());
  if (fd >= 0) {
    close(fd);
    return escaped("opened a new device node " + std::to_string(major(device)) + ":" +
                   std::to_string(minor(device)));
  }
  return contained(std::string("created, open: ") + errno_name(saved));
}

// A fresh proc mount would bypass masked and read-only /proc paths.
Outcome probe_mount_proc(const std::string& scratch) {
  if (scratch.empty()) return skipped("no writable directory");
  if (mount("proc", scratch.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return blocked(errno);
  }
  umount2(scratch.c_str(), MNT_DETACH);
  return escaped("mounted a new proc");
}

// Write-opens of kernel knobs; nothing is ever written.
Outcome probe_write_open(const char* path) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? contained("absent") : blocked(errno);
  close(fd);
  return escaped(std::string(path) + " opened for writing");
}

// Masked paths show nothing: files read empty (or fail), directories list nothing.
Outcome probe_masked() {
  static constexpr std::array<const char*, 6> kFiles = {
      "/proc/kcore",       "/proc/keys",          "/proc/timer_list",
      "/proc/sched_debug", "/proc/latency_stats", "/proc/sysrq-trigger"};
  for (const char* path : kFiles) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    char byte;
    ssize_t got = read(fd, &byte, 1);
    close(fd);
    if (got > 0) return escaped(std::string(path) + " readable");
  }
  for (const char* path : {"/sys/firmware", "/proc/acpi", "/proc/scsi"}) {
    DIR* dir = opendir(path);
    if (dir == nullptr) continue;
    int entries = 0;
    while (struct dirent* entry = readdir(dir)) entries += entry->d_name[0] != '.';
    closedir(dir);
    if (entries > 0) return escaped(std::string(path) + " lists entries");
  }
  return contained();
}

constexpr std::array<EscapeProbe, 11> kProbes = {{
    {"proc-root", [](const std::string&) { return probe_proc_root(); }},
    {"fd-leak", [](const std::string&) { return probe_fd_leak(); }},
    {"exe-write", [](const std::string&) { return probe_exe_write(); }},
    {"chroot", probe_chroot},
    {"mknod-block", [](const std::string& s) { return probe_mknod(s, S_IFBLK, makedev(8, 0)); }},
    {"mknod-char", [](const std::string& s) { return probe_mknod(s, S_IFCHR, makedev(1, 1)); }},
    {"mount-proc", probe_mount_proc},
    {"sysrq", [](const std::string&) { return probe_write_open("/proc/sysrq-trigger"); }},
    {"core-pattern",
     [](const std::string&) { return probe_write_open("/proc/sys/kernel/core_pattern"); }},
    {"uevent-helper",
     [](const std::string&) { return probe_write_open("/sys/kernel/uevent_helper"); }},
    {"masked-paths", [](const std::string&) { return probe_masked(); }},
}};

int print_outcome(std::string_view name, const Outcome& outcome) {
  static constexpr std::array<const char*, 4> kWords = {"contained", "blocked", "skipped",
                                                        "ESCAPED"};
  std::printf("%.*s: %s", static_cast<int>(name.size()), name.data(), kWords[outcome.kind]);
  if (!outcome.detail.empty()) std::printf(" (%s)", outcome.detail.c_str());
  std::printf("\n");
  std::fflush(stdout);
  return outcome.kind == Outcome::kEscaped ? 1 : 0;
}

using Table = std::span<const EscapeProbe> (*)();
constexpr std::array<Table, 3> kTables = {[] { return std::span<const EscapeProbe>(kProbes); },
                                          kernel_probes, host_probes};

bool known_probe(std::string_view name) {
  for (Table table : kTables) {
    for (const EscapeProbe& probe : table()) {
      if (probe.name == name) return true;
    }
  }
  return false;
}

// Runs the named probes (all without names) in table order.
int run_escape_probe(std::span<char* const> args) {
  std::string scratch = make_scratch();
  int escapes = 0;
  for (Table table : kTables) {
    for (const EscapeProbe& probe : table()) {
      bool wanted = args.empty();
      for (const char* name : args) wanted = wanted || probe.name == name;
      if (wanted) escapes += print_outcome(probe.name, probe.run(scratch));
    }
  }
  bool unknown = false;
  for (const char* name : args) {
    if (known_probe(name)) continue;
    std::printf("%s: unknown-probe\n", name);
    unknown = true;
  }
  if (!scratch.empty()) rmdir(scratch.c_str());
  std::printf("escape-probe: %d escaped\n", escapes);
  if (escapes > 0) return kExitFailed;
  return unknown ? kExitUsage : kExitOk;
}

constexpr std::array<CommandEntry, 1> kCommands = {{
    {"escape-probe", "[NAME...] (contained|blocked|skipped|ESCAPED per probe; exit 1 if escaped)",
     run_escape_probe},
}};

}  // namespace

std::span<const CommandEntry> escape_commands() { return kCommands; }

}  // namespace sbx::payload
