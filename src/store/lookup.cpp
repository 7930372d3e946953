#include "sandbox/store/lookup.hpp"

#include "sandbox/image/reference.hpp"

namespace sbx::store {

namespace {

bool is_hex(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::unexpected<Error> not_found(std::string_view text) {
  return fail(Error("no such image: " + std::string(text), Error::Kind::kNotFound)
                  .with_hint("see `sandbox images`, or `sandbox pull " + std::string(text) + "`"));
}

Result<Match> match_id_prefix(const std::vector<image::Digest>& ids, std::string_view text) {
  const image::Digest* found = nullptr;
  for (const image::Digest& id : ids) {
    if (!id.hex().starts_with(text)) continue;
    if (found && *found != id)
      return fail("image id prefix " + std::string(text) + " is ambiguous: give more digits");
    found = &id;
  }
  if (!found) return not_found(text);
  return Match{*found, {}};
}

// The name `reference` is recorded under, or empty when it has neither.
std::string recorded_name(const image::Reference& reference) {
  if (!reference.digest.empty()) return reference.repository() + "@" + reference.digest;
  if (!reference.tag.empty()) return reference.repository() + ":" + reference.tag;
  return {};
}

}  // namespace

Result<Match> match_image(const NameIndex& names, const std::vector<image::Digest>& ids,
                          std::string_view text) {
  if (text.starts_with("sha256:")) {
    image::Digest id = SBX_TRY(image::Digest::parse(text));
    for (const image::Digest& known : ids)
      if (known == id) return Match{id, {}};
    return not_found(text);
  }
  // A 64-digit hex string is always an id (docker refuses it as a name).
  if (text.size() != 64) {
    auto reference = image::parse_reference(text);
    if (reference) {
      std::string name = recorded_name(*reference);
      const auto& table = reference->digest.empty() ? names.tags : names.digests;
      if (auto it = table.find(name); it != table.end()) return Match{it->second, name};
    } else if (!is_hex(text)) {
      return std::unexpected(std::move(reference).error());
    }
  }
  if (is_hex(text)) return match_id_prefix(ids, text);
  return not_found(text);
}

Result<std::string> canonical_tag(std::string_view text) {
  image::Reference reference = SBX_TRY(image::parse_reference(text));
  if (!reference.digest.empty())
    return fail("cannot tag with a digest: " + std::string(text) + " (give name:tag)");
  if (reference.tag.empty()) reference.tag = std::string(image::kDefaultTag);
  return reference.repository() + ":" + reference.tag;
}

DisplayName display_name(std::string_view canonical) {
  auto reference = image::parse_reference(canonical);
  if (!reference) return {std::string(canonical), "<none>"};
  std::string tag = reference->digest.empty() ? reference->tag : reference->digest;
  return {reference->familiar_repository(), tag.empty() ? "<none>" : tag};
}

bool is_not_found(const Error& error) { return error.kind() == Error::Kind::kNotFound; }

}  // namespace sbx::store
