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
  std::string shell;  // "" when the line has none
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

// --group-add's names (the container's /etc/group) and gids, in order;
// a name the file lacks is an error. keep-groups is not a group: the caller
// checks containers::keeps_groups first.
Result<std::vector<uint32_t>> resolve_group_add(const std::vector<std::string>& groups,
                                                std::string_view group_text);

// --userns=keep-id: the invoking user as podman adds it to the container's
// files when the image has no entry for the uid (nor the name).
struct HostUser {
  uint32_t uid = 0, gid = 0;
  std::string name;        // the user's name on the host
  std::string group_name;  // the primary group's name ("" unknown: no group line)
  std::string home;        // the line's home: the host's when the container has it, else "/"
};
struct KeepIdFiles {
  std::string passwd, group;                       // the texts with the lines added
  bool passwd_added = false, group_added = false;  // whether a line was added
};
// The shell is the image root's (else /bin/sh); the group line lists the user.
KeepIdFiles add_keep_id_user(std::string_view passwd_text, std::string_view group_text,
                             const HostUser& user);

// The newest version of `path` (relative, e.g. "etc/passwd") in layers given
// top first, resolved inside each layer and never through a final symlink,
// so a link pointing out of the image reads nothing; "" when absent, deleted
// or not a regular file. Capped at 1 MiB.
std::string read_image_file(const std::vector<std::filesystem::path>& lowers_top_first,
                            const char* path);

}  // namespace sbx::launch
