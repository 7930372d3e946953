// Dispatch: `payload CMD ARGS...`, or a symlink named after the command (argv[0] basename).
#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "payload.hpp"

namespace sbx::payload {

const char* errno_name(int errno_value) {
  const char* name = strerrorname_np(errno_value);
  if (name != nullptr) return name;
  static thread_local char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%d", errno_value);
  return buffer;
}

int report_failure(const char* what, int errno_value) {
  std::fprintf(stderr, "payload: %s: %s (%s)\n", what, errno_name(errno_value),
               std::strerror(errno_value));
  return kExitFailed;
}

int usage_error(std::string_view command, std::string_view usage) {
  std::fprintf(stderr, "usage: payload %.*s %.*s\n", static_cast<int>(command.size()),
               command.data(), static_cast<int>(usage.size()), usage.data());
  return kExitUsage;
}

bool parse_long(const char* text, long* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 0) return false;
  *out = value;
  return true;
}

bool copy_file_to_stdout(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::fflush(stdout);
  char buffer[8192];
  for (;;) {
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      return false;
    }
    for (ssize_t done = 0; done < got;) {
      ssize_t put = write(STDOUT_FILENO, buffer + done, static_cast<size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return false;
      }
      done += put;
    }
  }
  close(fd);
  return true;
}

namespace {

using Table = std::span<const CommandEntry> (*)();
constexpr std::array<Table, 7> kTables = {identity_commands, file_commands,    process_commands,
                                          net_commands,      seccomp_commands, escape_commands,
                                          exe_watch_commands};

const CommandEntry* find_command(std::string_view name) {
  for (Table table : kTables) {
    for (const CommandEntry& entry : table()) {
      if (entry.name == name) return &entry;
    }
  }
  return nullptr;
}

int print_usage() {
  std::fprintf(stderr, "usage: payload COMMAND [ARGS...]\ncommands:\n");
  for (Table table : kTables) {
    for (const CommandEntry& entry : table()) {
      std::fprintf(stderr, "  %-14.*s %.*s\n", static_cast<int>(entry.name.size()),
                   entry.name.data(), static_cast<int>(entry.usage.size()), entry.usage.data());
    }
  }
  return kExitUsage;
}

}  // namespace
}  // namespace sbx::payload

int main(int argc, char** argv) {
  using namespace sbx::payload;
  // Line-buffered stdout so a test reading a pipe sees "ready" lines before a long wait.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* self = argc > 0 ? argv[0] : "payload";
  const char* base = std::strrchr(self, '/');
  base = base != nullptr ? base + 1 : self;
  int first = 1;
  const CommandEntry* entry = find_command(base);
  if (entry != nullptr) {
    first = 1;
  } else if (argc > 1) {
    entry = find_command(argv[1]);
    first = 2;
  }
  if (entry == nullptr) return print_usage();
  int status = entry->run(std::span<char* const>(argv + first, argv + argc));
  std::fflush(stdout);
  return status;
}
