// /etc/passwd and /etc/group as the container sees them.
#include "sandbox/launch/users.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "sandbox/base/strings.hpp"

namespace sbx::launch {
namespace {

std::optional<uint32_t> parse_id(std::string_view text) {
  uint32_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

template <class Entry, class Fn>
std::vector<Entry> parse_lines(std::string_view text, size_t min_fields, Fn make) {
  std::vector<Entry> out;
  for (const auto& line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < min_fields) continue;
    if (auto entry = make(fields)) out.push_back(std::move(*entry));
  }
  return out;
}

Result<uint32_t> resolve_group(std::string_view group, const std::vector<GroupEntry>& groups) {
  for (const auto& g : groups)
    if (g.name == group) return g.gid;
  if (auto id = parse_id(group)) return *id;
  return fail("unable to find group " + std::string(group) +
              ": no matching entries in the container's /etc/group");
}

}  // namespace

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  return parse_lines<PasswdEntry>(
      text, 6, [](const std::vector<std::string>& f) -> std::optional<PasswdEntry> {
        auto uid = parse_id(f[2]);
        auto gid = parse_id(f[3]);
        if (!uid || !gid || f[0].empty()) return std::nullopt;
        return PasswdEntry{f[0], *uid, *gid, f[5], f.size() > 6 ? f[6] : std::string()};
      });
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  return parse_lines<GroupEntry>(
      text, 3, [](const std::vector<std::string>& f) -> std::optional<GroupEntry> {
        auto gid = parse_id(f[2]);
        if (!gid || f[0].empty()) return std::nullopt;
        GroupEntry g{f[0], *gid, {}};
        if (f.size() > 3)
          for (const auto& m : split(f[3], ','))
            if (auto name = trim(m); !name.empty()) g.members.emplace_back(name);
        return g;
      });
}

Result<std::vector<uint32_t>> resolve_group_add(const std::vector<std::string>& groups,
                                                std::string_view group_text) {
  auto entries = parse_group(group_text);
  std::vector<uint32_t> gids;
  for (const auto& g : groups) gids.push_back(SBX_TRY(resolve_group(g, entries)));
  return gids;
}

namespace {

void append_line(std::string& text, const std::string& line) {
  if (!text.empty() && !text.ends_with('\n')) text += '\n';
  text += line + "\n";
}

}  // namespace

KeepIdFiles add_keep_id_user(std::string_view passwd_text, std::string_view group_text,
                             const HostUser& user) {
  KeepIdFiles out{std::string(passwd_text), std::string(group_text)};
  auto passwd = parse_passwd(passwd_text);
  bool known = std::ranges::any_of(
      passwd, [&](const PasswdEntry& p) { return p.uid == user.uid || p.name == user.name; });
  if (known || user.name.empty()) return out;
  std::string shell = "/bin/sh";
  for (const auto& p : passwd)
    if (p.uid == 0 && !p.shell.empty()) shell = p.shell;
  std::string home = user.home.empty() ? "/" : user.home;
  append_line(out.passwd, user.name + ":*:" + std::to_string(user.uid) + ":" +
                              std::to_string(user.gid) + ":" + user.name + ":" + home + ":" +
                              shell);
  out.passwd_added = true;
  auto groups = parse_group(group_text);
  bool group_known = std::ranges::any_of(
      groups, [&](const GroupEntry& g) { return g.gid == user.gid || g.name == user.group_name; });
  if (!group_known && !user.group_name.empty()) {
    append_line(out.group, user.group_name + ":x:" + std::to_string(user.gid) + ":" + user.name);
    out.group_added = true;
  }
  return out;
}

Result<ResolvedUser> resolve_user(std::string_view user, std::string_view passwd_text,
                                  std::string_view group_text) {
  if (user.empty()) user = "0";
  size_t colon = user.find(':');
  std::string_view user_part = user.substr(0, colon);
  auto passwd = parse_passwd(passwd_text);
  auto groups = parse_group(group_text);

  ResolvedUser out;
  const PasswdEntry* found = nullptr;
  for (const auto& p : passwd)
    if (p.name == user_part) found = &p;
  if (!found)
    if (auto id = parse_id(user_part))
      for (const auto& p : passwd)
        if (p.uid == *id && !found) found = &p;
  if (found) {
    out = {found->uid, found->gid, {}, found->home.empty() ? "/" : found->home};
    for (const auto& g : groups)
      if (std::ranges::find(g.members, found->name) != g.members.end() &&
          std::ranges::find(out.additional_gids, g.gid) == out.additional_gids.end())
        out.additional_gids.push_back(g.gid);
  } else if (auto id = parse_id(user_part)) {
    out.uid = *id;
  } else {
    return fail("unable to find user " + std::string(user_part) +
                ": no matching entries in the container's /etc/passwd");
  }
  if (colon != std::string_view::npos) {
    auto group_part = user.substr(colon + 1);
    if (group_part.empty()) return fail("invalid user '" + std::string(user) + "': empty group");
    out.gid = SBX_TRY(resolve_group(group_part, groups));
  }
  return out;
}

}  // namespace sbx::launch
