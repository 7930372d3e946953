// USER[:GROUP] resolved with the container's own /etc/passwd and /etc/group
// (never the host's). Pure parsers over the files' text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::launch {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

// Malformed lines are skipped, as libc does.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;  // groups listing the user as a member
  std::string home = "/";
  friend bool operator==(const ResolvedUser&, const ResolvedUser&) = default;
};

// "" is root. A numeric uid missing from passwd is used as is (gid 0); a name
// missing from passwd or group is an error.
Result<ResolvedUser> resolve_user(std::string_view user, std::string_view passwd_text,
                                  std::string_view group_text);

// The newest version of `path` (relative, e.g. "etc/passwd") in layers given
// top first, resolved inside each layer and never through a final symlink,
// so a link pointing out of the image reads nothing; "" when absent, deleted
// or not a regular file. Capped at 1 MiB.
std::string read_image_file(const std::vector<std::filesystem::path>& lowers_top_first,
                            const char* path);

}  // namespace sbx::launch
