// File access from inside: write, read, stat (mode, owner, type) and ls.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "payload.hpp"

namespace sbx::payload {
namespace {

std::string describe(const char* verb, const char* path) {
  return std::string(verb) + "(" + path + ")";
}

// write PATH DATA: creates or truncates PATH (0644) and writes DATA without a newline.
int run_write(std::span<char* const> args) {
  if (args.size() != 2) return usage_error("write", "PATH DATA");
  int fd = open(args[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return report_failure(describe("open", args[0]).c_str(), errno);
  size_t length = std::strlen(args[1]);
  ssize_t put = write(fd, args[1], length);
  int saved = errno;
  if (close(fd) != 0 && put >= 0) {
    return report_failure(describe("close", args[0]).c_str(), errno);
  }
  if (put < 0) return report_failure(describe("write", args[0]).c_str(), saved);
  if (static_cast<size_t>(put) != length) {
    return report_failure(describe("write", args[0]).c_str(), EIO);
  }
  return kExitOk;
}

int run_read(std::span<char* const> args) {
  if (args.size() != 1) return usage_error("read", "PATH");
  if (!copy_file_to_stdout(args[0]))
    return report_failure(describe("read", args[0]).c_str(), errno);
  return kExitOk;
}

const char* type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFIFO:
      return "fifo";
    case S_IFCHR:
      return "chardev";
    case S_IFBLK:
      return "blockdev";
    case S_IFSOCK:
      return "socket";
    default:
      return "unknown";
  }
}

// "PATH type=file mode=4755 uid=0 gid=0 size=N nlink=N ino=N [rdev=M:N] [target=T]"
// (lstat: a symlink is described, not followed) or "PATH error=ENOENT".
bool print_stat(const char* path) {
  struct stat info {};
  if (lstat(path, &info) != 0) {
    std::printf("%s error=%s\n", path, errno_name(errno));
    return false;
  }
  std::printf("%s type=%s mode=%04o uid=%u gid=%u size=%lld nlink=%lu ino=%llu", path,
              type_name(info.st_mode), info.st_mode & 07777, info.st_uid, info.st_gid,
              static_cast<long long>(info.st_size), static_cast<unsigned long>(info.st_nlink),
              static_cast<unsigned long long>(info.st_ino));
  if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) {
    std::printf(" rdev=%u:%u", major(info.st_rdev), minor(info.st_rdev));
  }
  if (S_ISLNK(info.st_mode)) {
    char target[4096];
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length >= 0) {
      target[length] = '\0';
      std::printf(" target=%s", target);
    }
  }
  std::printf("\n");
  return true;
}

int run_stat(std::span<char* const> args) {
  if (args.empty()) return usage_error("stat", "PATH...");
  bool all_ok = true;
  for (char* path : args) all_ok = print_stat(path) && all_ok;
  return all_ok ? kExitOk : kExitFailed;
}

// ls DIR: entry names, sorted, one a line (no . and ..).
int run_ls(std::span<char* const> args) {
  if (args.size() != 1) return usage_error("ls", "DIR");
  DIR* dir = opendir(args[0]);
  if (dir == nullptr) return report_failure(describe("opendir", args[0]).c_str(), errno);
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
      names.emplace_back(entry->d_name);
    }
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) std::printf("%s\n", name.c_str());
  return kExitOk;
}

constexpr std::array<CommandEntry, 4> kCommands = {{
    {"write", "PATH DATA (create/truncate, mode 0644)", run_write},
    {"read", "PATH (contents to stdout)", run_read},
    {"stat", "PATH... (lstat: type mode uid gid size nlink ino rdev target)", run_stat},
    {"ls", "DIR (sorted names)", run_ls},
}};

}  // namespace

std::span<const CommandEntry> file_commands() { return kCommands; }

}  // namespace sbx::payload
