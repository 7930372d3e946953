// Grammar of -v, --mount, --tmpfs, -e and --env-file.
#include "sandbox/containers/flag_parsers.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "sandbox/base/strings.hpp"

namespace sbx::containers {
namespace {

Status check_destination(std::string_view text, const std::string& dest) {
  if (dest.empty() || dest[0] != '/')
    return fail("'" + std::string(text) + "': the container path '" + dest + "' must be absolute");
  if (dest == "/") return fail("'" + std::string(text) + "': cannot mount over /");
  for (const auto& part : split(dest, '/'))
    if (part == "..") return fail("'" + std::string(text) + "': '..' in the container path");
  return {};
}

Status check_source(std::string_view text, const std::string& source) {
  if (source.empty()) return fail("'" + std::string(text) + "': the host path is empty");
  if (source[0] != '/')
    return fail(
        Error("'" + std::string(text) + "': the host path '" + source + "' must be absolute")
            .with_hint("give an absolute host path, e.g. -v \"$PWD/dir:/dir\""));
  return {};
}

// -v SOURCE: an absolute host path, else a volume name.
Status classify_source(std::string_view text, MountRequest& m) {
  if (m.source.starts_with('/')) return check_source(text, m.source);
  if (!valid_volume_name(m.source))
    return fail(Error("'" + std::string(text) + "': '" + m.source +
                      "' is neither an absolute host path nor a volume name")
                    .with_hint("a volume name is [a-zA-Z0-9][a-zA-Z0-9_.-]*; a host path starts "
                               "with /, e.g. \"$PWD/dir\""));
  m.type = MountType::kVolume;
  return {};
}

// Applies one mount option shared by -v and --tmpfs; false if it is not one.
bool apply_flag_option(std::string_view opt, MountRequest& m) {
  struct Known {
    std::string_view name;
    unsigned long set, clear;
  };
  static constexpr std::array<Known, 6> kOptions{{{"nosuid", MS_NOSUID, 0},
                                                  {"suid", 0, MS_NOSUID},
                                                  {"nodev", MS_NODEV, 0},
                                                  {"dev", 0, MS_NODEV},
                                                  {"noexec", MS_NOEXEC, 0},
                                                  {"exec", 0, MS_NOEXEC}}};
  if (opt == "ro" || opt == "readonly") return m.read_only = true;
  if (opt == "rw") return !(m.read_only = false);
  for (const auto& k : kOptions)
    if (opt == k.name) {
      m.flags = (m.flags | k.set) & ~k.clear;
      return true;
    }
  return false;
}

// One option of -v after the second colon; false when unknown.
bool apply_volume_option(std::string_view opt, MountRequest& m) {
  if (apply_flag_option(opt, m)) return true;
  if (opt == "U") return m.chown = true;
  if (opt == "O") return m.overlay = true;
  if (opt == "nocopy") return m.no_copy = true;
  static constexpr std::array<std::string_view, 11> kIgnored{
      "z",     "Z",      "bind",   "rbind",   "private", "rprivate",
      "slave", "rslave", "shared", "rshared", "copy"};
  return std::ranges::find(kIgnored, opt) != kIgnored.end();
}

Result<std::string> tmpfs_data_option(std::string_view text, std::string_view opt) {
  static constexpr std::array<std::string_view, 5> kData{
      "size=", "mode=", "nr_inodes=", "uid=", "gid="};
  for (auto prefix : kData)
    if (opt.starts_with(prefix) && opt.size() > prefix.size()) return std::string(opt);
  return fail("'" + std::string(text) + "': unknown tmpfs option '" + std::string(opt) + "'");
}

bool parse_bool(std::string_view value, bool& out) {
  if (value == "" || value == "true" || value == "1") return out = true, true;
  if (value == "false" || value == "0") return out = false, true;
  return false;
}

}  // namespace

bool valid_volume_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  return std::ranges::all_of(name, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

Result<MountRequest> parse_volume(std::string_view text) {
  auto parts = split(text, ':');
  if (parts.empty() || parts.size() > 3)
    return fail("invalid volume '" + std::string(text) +
                "': expected [SOURCE:]CONTAINER-PATH[:OPTIONS]");
  MountRequest m;
  if (parts.size() == 1) {  // -v /path: an anonymous volume
    m = {.type = MountType::kVolume, .destination = parts[0]};
  } else {
    m = {.type = MountType::kBind, .source = parts[0], .destination = parts[1]};
    SBX_TRY(classify_source(text, m));
  }
  SBX_TRY(check_destination(text, m.destination));
  if (parts.size() == 3)
    for (const auto& opt : split(parts[2], ','))
      if (!apply_volume_option(opt, m))
        return fail("invalid volume '" + std::string(text) + "': unknown option '" + opt + "'");
  return m;
}

Result<MountRequest> parse_tmpfs(std::string_view text) {
  size_t colon = text.find(':');
  MountRequest m{.type = MountType::kTmpfs,
                 .source = "tmpfs",
                 .destination = std::string(text.substr(0, colon)),
                 .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC};
  SBX_TRY(check_destination(text, m.destination));
  std::vector<std::string> data;
  if (colon != std::string_view::npos) {
    for (const auto& opt : split(text.substr(colon + 1), ',')) {
      if (opt.empty() || apply_flag_option(opt, m)) continue;
      data.push_back(SBX_TRY(tmpfs_data_option(text, opt)));
    }
  }
  m.data = join(data, ",");
  return m;
}

Result<MountRequest> parse_mount(std::string_view text) {
  MountRequest m;
  std::string type;
  std::vector<std::string> data;
  bool volume_keys = false;
  auto bad = [&](const std::string& why) {
    return fail("invalid mount '" + std::string(text) + "': " + why);
  };
  for (const auto& field : split(text, ',')) {
    size_t eq = field.find('=');
    std::string key = field.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (key == "type")
      type = value;
    else if (key == "source" || key == "src")
      m.source = value;
    else if (key == "target" || key == "destination" || key == "dst")
      m.destination = value;
    else if (key == "readonly" || key == "ro") {
      if (!parse_bool(value, m.read_only)) return bad("readonly takes true or false");
    } else if (key == "tmpfs-size")
      data.push_back("size=" + value);
    else if (key == "tmpfs-mode")
      data.push_back("mode=" + value);
    else if (key == "volume-nocopy") {
      if (!parse_bool(value, m.no_copy)) return bad("volume-nocopy takes true or false");
      volume_keys = true;
    } else if (key == "bind-propagation" || key == "consistency")
      continue;
    else
      return bad("unknown key '" + key + "'");
  }
  if (m.destination.empty()) return bad("target= is required");
  SBX_TRY(check_destination(text, m.destination));
  if (volume_keys && type != "volume") return bad("volume options on a " + type + " mount");
  if (type == "bind") {
    if (!data.empty()) return bad("tmpfs options on a bind mount");
    SBX_TRY(check_source(text, m.source));
  } else if (type == "volume") {
    if (!data.empty()) return bad("tmpfs options on a volume mount");
    if (!m.source.empty() && !valid_volume_name(m.source))
      return bad("'" + m.source + "' is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)");
    m.type = MountType::kVolume;
  } else if (type == "tmpfs") {
    if (!m.source.empty()) return bad("a tmpfs mount takes no source");
    m.type = MountType::kTmpfs;
    m.source = "tmpfs";
    m.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    m.data = join(data, ",");
  } else {
    return bad(type.empty() ? "type= is required" : "unsupported type '" + type + "'");
  }
  return m;
}

Result<std::vector<std::string>> expand_env(const std::vector<std::string>& entries,
                                            const EnvLookup& lookup) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    size_t eq = e.find('=');
    if (eq == 0 || e.empty())
      return fail("invalid environment variable '" + e + "': the name is empty");
    if (eq != std::string::npos) {
      out.push_back(e);
    } else if (auto value = lookup(e)) {
      out.push_back(e + "=" + *value);
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_env_file(std::string_view text) {
  std::vector<std::string> out;
  int line_no = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '=')
      return fail("line " + std::to_string(line_no) + ": the variable name is empty");
    // Keep the value as written (docker does not strip quotes or trailing blanks).
    std::string entry(raw.substr(raw.find_first_not_of(" \t")));
    if (entry.find('=') == std::string::npos) entry = std::string(line);
    if (entry.find_first_of(" \t") < entry.find('='))
      return fail("line " + std::to_string(line_no) + ": '" + std::string(line) +
                  "' has white space in the variable name");
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace sbx::containers
