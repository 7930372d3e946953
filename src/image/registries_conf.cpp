// Reading registries.conf (TOML, through toml11, header-only: its templates
// stay in this file) and merging the files podman reads.
#include "sandbox/image/registries_conf.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <toml.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/utf8.hpp"

namespace sbx::image {
namespace {

namespace fs = std::filesystem;

// "FILE:LINE: what" for a value of the wrong type or form.
class Reader {
 public:
  explicit Reader(const fs::path& origin) : origin_(origin.string()) {}

  std::unexpected<Error> bad(const toml::value& v, const std::string& what) const {
    return fail(Error(origin_ + ":" + std::to_string(v.location().line()) + ": " + what)
                    .with_hint("see containers-registries.conf(5)"));
  }
  Result<std::string> string(const toml::value& v, const std::string& key) const {
    if (!v.is_string()) return bad(v, "'" + key + "' must be a string");
    return v.as_string().str;
  }
  Result<bool> boolean(const toml::value& v, const std::string& key) const {
    if (!v.is_boolean()) return bad(v, "'" + key + "' must be true or false");
    return v.as_boolean();
  }
  Result<std::vector<std::string>> strings(const toml::value& v, const std::string& key) const {
    if (!v.is_array()) return bad(v, "'" + key + "' must be a list of strings");
    std::vector<std::string> out;
    for (const toml::value& item : v.as_array()) out.push_back(SBX_TRY(string(item, key)));
    return out;
  }

 private:
  std::string origin_;
};

Result<ShortNameMode> parse_mode(const Reader& r, const toml::value& v) {
  std::string mode = SBX_TRY(r.string(v, "short-name-mode"));
  if (mode == "enforcing") return ShortNameMode::kEnforcing;
  if (mode == "permissive") return ShortNameMode::kPermissive;
  if (mode == "disabled") return ShortNameMode::kDisabled;
  return r.bad(v, "short-name-mode \"" + mode + "\" is not enforcing, permissive or disabled");
}

Result<RegistryMirror> parse_mirror(const Reader& r, const toml::value& v) {
  if (!v.is_table()) return r.bad(v, "each [[registry.mirror]] must be a table");
  RegistryMirror mirror;
  for (const auto& [key, value] : v.as_table()) {
    if (key == "location") mirror.location = SBX_TRY(r.string(value, key));
    if (key == "insecure") mirror.insecure = SBX_TRY(r.boolean(value, key));
  }
  if (mirror.location.empty()) return r.bad(v, "a [[registry.mirror]] needs a location");
  return mirror;
}

Result<RegistryEntry> parse_registry(const Reader& r, const toml::value& v) {
  if (!v.is_table()) return r.bad(v, "each [[registry]] must be a table");
  RegistryEntry entry;
  for (const auto& [key, value] : v.as_table()) {
    if (key == "prefix") entry.prefix = SBX_TRY(r.string(value, key));
    if (key == "location") entry.location = SBX_TRY(r.string(value, key));
    if (key == "insecure") entry.insecure = SBX_TRY(r.boolean(value, key));
    if (key == "blocked") entry.blocked = SBX_TRY(r.boolean(value, key));
    if (key == "mirror") {
      if (!value.is_array()) return r.bad(value, "'mirror' must be [[registry.mirror]] tables");
      for (const toml::value& m : value.as_array())
        entry.mirrors.push_back(SBX_TRY(parse_mirror(r, m)));
    }
  }
  if (entry.prefix.empty()) entry.prefix = entry.location;
  if (entry.prefix.empty()) return r.bad(v, "a [[registry]] needs a prefix or a location");
  if (entry.location.empty() && !entry.prefix.starts_with("*.")) entry.location = entry.prefix;
  return entry;
}

// The old format: [registries.search] registries = [...], .insecure, .block.
Status parse_v1(const Reader& r, const toml::value& v, RegistriesConf& conf) {
  if (!v.is_table()) return r.bad(v, "'registries' must be a table");
  for (const auto& [kind, table] : v.as_table()) {
    if (!table.is_table() || !table.contains("registries")) continue;
    auto hosts = SBX_TRY(r.strings(table.at("registries"), "registries"));
    if (kind == "search") {
      conf.search = hosts;
      conf.search_given = true;
      continue;
    }
    for (const std::string& host : hosts) {
      RegistryEntry entry{.prefix = host, .location = host};
      entry.insecure = kind == "insecure";
      entry.blocked = kind == "block";
      conf.registries.push_back(std::move(entry));
    }
  }
  return {};
}

Status parse_table(const Reader& r, const toml::value& data, RegistriesConf& conf) {
  for (const auto& [key, value] : data.as_table()) {
    if (key == "unqualified-search-registries") {
      conf.search = SBX_TRY(r.strings(value, key));
      conf.search_given = true;
    } else if (key == "short-name-mode") {
      conf.short_name_mode = SBX_TRY(parse_mode(r, value));
      conf.short_name_mode_given = true;
    } else if (key == "aliases") {
      if (!value.is_table()) return r.bad(value, "[aliases] must be a table");
      for (const auto& [name, target] : value.as_table())
        conf.aliases[name] = SBX_TRY(r.string(target, "aliases." + name));
    } else if (key == "registry") {
      if (!value.is_array()) return r.bad(value, "'registry' must be [[registry]] tables");
      for (const toml::value& entry : value.as_array())
        conf.registries.push_back(SBX_TRY(parse_registry(r, entry)));
    } else if (key == "registries") {
      SBX_TRY(parse_v1(r, value, conf));
    }
  }
  return {};
}

// toml11's messages span several lines (a caret under the column): one line.
std::string one_line(std::string_view text) {
  std::string out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::string_view part = trim(line);
    if (part.empty() || part.find_first_not_of("|^-~ 0123456789") == std::string_view::npos)
      continue;
    if (!out.empty()) out += " ";
    out += part;
  }
  return out;
}

void add_drop_ins(const fs::path& dir, std::vector<fs::path>& files) {
  std::error_code ec;
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".conf" && entry.is_regular_file(ec))
      found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
}

}  // namespace

Result<RegistriesConf> parse_registries_conf(std::string_view text, const fs::path& origin) {
  Reader reader(origin);
  // TOML is UTF-8; toml11 3.7 reads past the end of a string holding a bad sequence.
  if (size_t bad = invalid_utf8_offset(text); bad != std::string_view::npos)
    return fail(
        Error(origin.string() + " is not valid TOML: not UTF-8 at byte " + std::to_string(bad))
            .with_hint("see containers-registries.conf(5)"));
  toml::value data;
  try {
    std::istringstream in{std::string(text)};
    data = toml::parse(in, origin.string());
  } catch (const std::exception& e) {
    return fail(Error(origin.string() + " is not valid TOML: " + one_line(e.what()))
                    .with_hint("see containers-registries.conf(5)"));
  }
  RegistriesConf conf;
  conf.files.push_back(origin);
  SBX_TRY(parse_table(reader, data, conf));
  return conf;
}

void merge_registries_conf(RegistriesConf& into, RegistriesConf&& later) {
  if (later.search_given) {
    into.search = std::move(later.search);
    into.search_given = true;
  }
  if (later.short_name_mode_given) {
    into.short_name_mode = later.short_name_mode;
    into.short_name_mode_given = true;
  }
  for (auto& [name, target] : later.aliases) into.aliases[name] = std::move(target);
  for (RegistryEntry& entry : later.registries) {
    auto same = std::find_if(into.registries.begin(), into.registries.end(),
                             [&](const RegistryEntry& e) { return e.prefix == entry.prefix; });
    if (same != into.registries.end())
      *same = std::move(entry);
    else
      into.registries.push_back(std::move(entry));
  }
  for (fs::path& file : later.files) into.files.push_back(std::move(file));
}

Result<std::vector<fs::path>> registries_conf_files() {
  if (const char* only = std::getenv("CONTAINERS_REGISTRIES_CONF"); only && *only)
    return std::vector<fs::path>{only};
  fs::path home = SBX_TRY(home_dir());
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  fs::path user = ((xdg && xdg[0] == '/') ? fs::path(xdg) : home / ".config") / "containers";
  std::vector<fs::path> files;
  if (path_exists(user / "registries.conf"))
    files.push_back(user / "registries.conf");
  else if (path_exists("/etc/containers/registries.conf"))
    files.push_back("/etc/containers/registries.conf");
  add_drop_ins("/etc/containers/registries.conf.d", files);
  add_drop_ins(user / "registries.conf.d", files);
  return files;
}

Result<RegistriesConf> load_registries_conf() {
  RegistriesConf conf;
  for (const fs::path& file : SBX_TRY(registries_conf_files())) {
    std::string text = SBX_TRY(read_file(file));
    merge_registries_conf(conf, SBX_TRY(parse_registries_conf(text, file)));
  }
  return conf;
}

}  // namespace sbx::image
