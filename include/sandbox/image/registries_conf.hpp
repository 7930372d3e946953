// registries.conf as podman reads it (containers-registries.conf(5)): where
// short names are searched, which registries are blocked or insecure, their
// mirrors, and the short-name aliases.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/reference.hpp"

namespace sbx::image {

enum class ShortNameMode { kEnforcing, kPermissive, kDisabled };

struct RegistryMirror {
  std::string location;  // replaces the entry's prefix
  bool insecure = false;
};

// One [[registry]] table (or a v1 [registries.*] list item).
struct RegistryEntry {
  std::string prefix;    // what references it applies to; "*.example.com" wildcards
  std::string location;  // where they come from (the prefix when not given)
  bool insecure = false;
  bool blocked = false;
  std::vector<RegistryMirror> mirrors;
};

struct RegistriesConf {
  std::vector<std::string> search;  // unqualified-search-registries, in order
  bool search_given = false;        // some file set the list (even empty)
  ShortNameMode short_name_mode = ShortNameMode::kEnforcing;
  bool short_name_mode_given = false;
  std::map<std::string, std::string> aliases;  // short name -> full name
  std::vector<RegistryEntry> registries;
  std::vector<std::filesystem::path> files;  // the files read, for messages
};

// One file's text; `origin` names it in errors (they carry the TOML line).
Result<RegistriesConf> parse_registries_conf(std::string_view text,
                                             const std::filesystem::path& origin);

// What later files change in earlier ones, as podman merges drop-ins: a list
// or mode given replaces, aliases and [[registry]] tables replace per key/prefix.
void merge_registries_conf(RegistriesConf& into, RegistriesConf&& later);

// The files in the order they apply: $CONTAINERS_REGISTRIES_CONF alone when
// set; else the user's ~/.config/containers/registries.conf if it exists
// (instead of /etc/containers/registries.conf), then the *.conf drop-ins of
// /etc/containers/registries.conf.d and ~/.config/containers/registries.conf.d
// sorted by name. Only files that exist.
Result<std::vector<std::filesystem::path>> registries_conf_files();

// All of registries_conf_files() merged; none: the empty configuration.
Result<RegistriesConf> load_registries_conf();

// The [[registry]] whose prefix matches `reference` longest, or null.
const RegistryEntry* find_registry(const RegistriesConf& conf, const Reference& reference);

// Where to pull `reference` from, in order: the entry's mirrors, then its
// location (the reference itself when no entry matches). Blocked: an error.
struct PullSource {
  Reference reference;  // rewritten for a mirror or location
  bool insecure = false;
  bool mirror = false;
};
Result<std::vector<PullSource>> pull_sources(const RegistriesConf& conf,
                                             const Reference& reference);

// How a push reaches `reference`: as named (no mirror or location applies to
// a push, as in podman), insecure when its entry says so. Blocked: an error.
struct PushTarget {
  bool insecure = false;
};
Result<PushTarget> push_target(const RegistriesConf& conf, const Reference& reference);

// A short name is one whose first component names no registry (no '.' or
// ':' and not "localhost"): `busybox`, `user/app:1`.
bool is_short_name(std::string_view text);

// What `text` may mean: one reference when it is fully qualified or an alias;
// else one per search registry (docker.io alone when no file lists any, as
// docker). `from_alias` tells which alias file decided.
struct ShortNameCandidates {
  std::vector<Reference> references;
  bool short_name = false;
  bool from_alias = false;
};
Result<ShortNameCandidates> short_name_candidates(const RegistriesConf& conf,
                                                  std::string_view text);

}  // namespace sbx::image
