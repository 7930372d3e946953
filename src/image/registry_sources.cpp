// What registries.conf makes of a name: its candidates when it is short, the
// mirrors and location a reference is pulled from, and how it is pushed.
#include <algorithm>

#include "sandbox/image/registries_conf.hpp"

namespace sbx::image {
namespace {

namespace fs = std::filesystem;

std::string files_of(const RegistriesConf& conf) {
  if (conf.files.empty()) return "no registries.conf";
  std::string out;
  for (const fs::path& file : conf.files) out += (out.empty() ? "" : ", ") + file.string();
  return out;
}

// How many characters of `repository` (domain/path) the entry's prefix covers; 0: none.
size_t match_length(const RegistryEntry& entry, const Reference& reference) {
  const std::string& prefix = entry.prefix;
  if (prefix.starts_with("*.")) {
    std::string_view host = reference.domain;
    host = host.substr(0, host.find(':'));
    return host.ends_with(prefix.substr(1)) ? prefix.size() : 0;
  }
  std::string repository = reference.repository();
  if (repository == prefix) return prefix.size();
  if (repository.starts_with(prefix) && repository[prefix.size()] == '/') return prefix.size();
  return 0;
}

// The reference with the entry's prefix replaced by `location`.
Result<Reference> rewrite(const RegistryEntry& entry, const Reference& reference,
                          const std::string& location) {
  std::string repository = reference.repository();
  if (entry.prefix.starts_with("*."))
    repository = location + repository.substr(reference.domain.size());
  else
    repository = location + repository.substr(entry.prefix.size());
  std::string text =
      repository + (reference.digest.empty() ? ":" + reference.tag : "@" + reference.digest);
  if (reference.digest.empty() && reference.tag.empty()) text = repository;
  return with_context(parse_reference(text), "registries.conf location " + location);
}

// "busybox:1.36" -> {"busybox", ":1.36"}; "a/b@sha256:.." -> {"a/b", "@sha256:.."}.
std::pair<std::string, std::string> split_name(std::string_view text) {
  size_t at = text.find('@');
  std::string_view name = text.substr(0, at);
  std::string_view rest = at == std::string_view::npos ? "" : text.substr(at);
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && name.find('/', colon) == std::string_view::npos) {
    rest = text.substr(colon);
    name = name.substr(0, colon);
  }
  return {std::string(name), std::string(rest)};
}

}  // namespace

const RegistryEntry* find_registry(const RegistriesConf& conf, const Reference& reference) {
  const RegistryEntry* best = nullptr;
  size_t best_length = 0;
  for (const RegistryEntry& entry : conf.registries) {
    size_t length = match_length(entry, reference);
    if (length > best_length) {
      best = &entry;
      best_length = length;
    }
  }
  return best;
}

Result<std::vector<PullSource>> pull_sources(const RegistriesConf& conf,
                                             const Reference& reference) {
  const RegistryEntry* entry = find_registry(conf, reference);
  if (!entry) return std::vector<PullSource>{{reference, false, false}};
  if (entry->blocked)
    return fail(Error("registry " + entry->prefix + " is blocked (" + files_of(conf) + ")")
                    .with_hint("pull from another registry, or remove `blocked = true` there"));
  std::vector<PullSource> sources;
  for (const RegistryMirror& mirror : entry->mirrors) {
    Reference rewritten = SBX_TRY(rewrite(*entry, reference, mirror.location));
    sources.push_back({std::move(rewritten), mirror.insecure, /*mirror=*/true});
  }
  Reference origin =
      entry->location.empty() ? reference : SBX_TRY(rewrite(*entry, reference, entry->location));
  sources.push_back({std::move(origin), entry->insecure, false});
  return sources;
}

Result<PushTarget> push_target(const RegistriesConf& conf, const Reference& reference) {
  const RegistryEntry* entry = find_registry(conf, reference);
  if (!entry) return PushTarget{};
  if (entry->blocked)
    return fail(Error("registry " + entry->prefix + " is blocked (" + files_of(conf) + ")")
                    .with_hint("push to another registry, or remove `blocked = true` there"));
  return PushTarget{entry->insecure};
}

bool is_short_name(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return true;
  std::string_view first = text.substr(0, slash);
  return first.find_first_of(".:") == std::string_view::npos && first != "localhost";
}

Result<ShortNameCandidates> short_name_candidates(const RegistriesConf& conf,
                                                  std::string_view text) {
  ShortNameCandidates out;
  if (!is_short_name(text)) {
    out.references.push_back(SBX_TRY(parse_reference(text)));
    return out;
  }
  out.short_name = true;
  auto [name, suffix] = split_name(text);
  if (auto alias = conf.aliases.find(name); alias != conf.aliases.end()) {
    std::string target = alias->second;
    if (split_name(target).second.empty()) target += suffix;
    out.references.push_back(
        SBX_TRY_CTX(parse_reference(target), "alias " + name + " (" + files_of(conf) + ")"));
    out.from_alias = true;
    return out;
  }
  if (!conf.search_given) {  // docker's default
    out.references.push_back(SBX_TRY(parse_reference(text)));
    return out;
  }
  if (conf.search.empty())
    return fail(Error("short name \"" + std::string(text) +
                      "\" cannot be resolved: unqualified-search-registries is empty (" +
                      files_of(conf) + ")")
                    .with_hint("give the full name, e.g. docker.io/library/" + name));
  for (const std::string& registry : conf.search)
    out.references.push_back(SBX_TRY_CTX(parse_reference(registry + "/" + std::string(text)),
                                         "search registry " + registry));
  return out;
}

}  // namespace sbx::image
