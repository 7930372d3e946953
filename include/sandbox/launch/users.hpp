// USER[:GROUP] resolved with the container's own /etc/passwd and /etc/group
// (never the host's). Pure parsers over the files' text.
#pragma once

#include <cstdint>
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

}  // namespace sbx::launch
