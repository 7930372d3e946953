// The static multi-call test payload: each command prints facts about the process or tries one
// thing the sandbox must allow or deny, so integration tests assert from inside a container.
// Exit statuses: 0 done / all contained, 1 the operation failed or an escape worked, 2 usage.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace sbx::payload {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// args excludes the command name itself.
using Command = int (*)(std::span<char* const> args);

struct CommandEntry {
  std::string_view name;
  std::string_view usage;
  Command run;
};

// Each group file exposes its table; main.cpp joins them.
std::span<const CommandEntry> identity_commands();
std::span<const CommandEntry> file_commands();
std::span<const CommandEntry> process_commands();
std::span<const CommandEntry> net_commands();
std::span<const CommandEntry> seccomp_commands();
std::span<const CommandEntry> escape_commands();
std::span<const CommandEntry> exe_watch_commands();

// "EPERM" for EPERM, the number for an errno without a name.
const char* errno_name(int errno_value);
// Prints "payload: what: EACCES (Permission denied)" to stderr and returns kExitFailed.
int report_failure(const char* what, int errno_value);
// Prints the usage line of a command to stderr and returns kExitUsage.
int usage_error(std::string_view command, std::string_view usage);
// Parses a non-negative decimal; false on junk.
bool parse_long(const char* text, long* out);
// Writes a whole file to stdout; false with errno set on failure.
bool copy_file_to_stdout(const char* path);

}  // namespace sbx::payload
