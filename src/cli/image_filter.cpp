#include "image_filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "sandbox/store/lookup.hpp"

namespace sbx::cli {
namespace {

constexpr const char* kImageKeys[] = {"dangling", "label", "reference", "before", "since"};
constexpr const char* kKeyList = "keys: dangling, label, reference, before, since";

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME) == 0;
}

// The image `text` names among `all` (a name, an id or an id prefix), as
// before= and since= take it.
Result<const ListedImage*> find_listed(const std::vector<ListedImage>& all,
                                       const std::string& text) {
  store::NameIndex names;
  std::vector<image::Digest> ids;
  for (const ListedImage& image : all) {
    ids.push_back(image.record.id);
    for (const std::string& tag : image.record.repo_tags) names.tags[tag] = image.record.id;
    for (const std::string& digest : image.record.repo_digests)
      names.digests[digest] = image.record.id;
  }
  store::Match match = SBX_TRY(store::match_image(names, ids, text));
  for (const ListedImage& image : all)
    if (image.record.id == match.id) return &image;
  return fail("no such image: " + text);
}

int64_t created_ns(const ListedImage& image) {
  const std::string& created =
      image.config.created.empty() ? image.record.created : image.config.created;
  return rfc3339_nanoseconds(created);
}

// Keeps the names of `image` that match one of `patterns`; false when none is left.
bool keep_matching_names(ListedImage& image, const std::vector<std::string>& patterns) {
  auto drop = [&](std::vector<std::string>& names) {
    std::erase_if(names, [&](const std::string& name) {
      return !std::ranges::any_of(patterns,
                                  [&](const std::string& p) { return reference_matches(p, name); });
    });
  };
  bool had_tags = !image.record.repo_tags.empty();
  drop(image.record.repo_tags);
  drop(image.record.repo_digests);
  if (had_tags) return !image.record.repo_tags.empty();
  return !image.record.repo_digests.empty();  // a digest-only image shows its repository
}

bool history_is_prefix(const std::vector<image::HistoryEntry>& parent,
                       const std::vector<image::HistoryEntry>& child) {
  if (parent.size() >= child.size()) return false;  // empty: `FROM scratch`'s base
  for (size_t i = 0; i < parent.size(); ++i)
    if (parent[i].created_by != child[i].created_by || parent[i].created != child[i].created ||
        parent[i].empty_layer != child[i].empty_layer)
      return false;
  return true;
}

bool is_parent_of(const ListedImage& parent, const ListedImage& child) {
  const auto& mine = parent.config.diff_ids;
  const auto& theirs = child.config.diff_ids;
  return parent.record.id != child.record.id && mine.size() <= theirs.size() &&
         std::equal(mine.begin(), mine.end(), theirs.begin()) &&
         history_is_prefix(parent.config.history, child.config.history);
}

}  // namespace

int64_t rfc3339_nanoseconds(const std::string& text) {
  int64_t seconds = store::parse_rfc3339(text);
  if (seconds < 0) return 0;
  int64_t nanos = 0;
  // "2024-01-02T03:04:05.123Z": the digits after the seconds' '.'.
  if (size_t dot = text.find('.', 19); dot != std::string::npos && dot == 19) {
    int64_t scale = 100000000;
    for (size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
         ++i, scale /= 10)
      nanos += (text[i] - '0') * scale;
  }
  return seconds * 1000000000 + nanos;
}

bool reference_matches(const std::string& pattern, const std::string& canonical) {
  store::DisplayName shown = store::display_name(canonical);
  bool digest = shown.tag.starts_with("sha256:");
  return glob(pattern, shown.repository + (digest ? "@" : ":") + shown.tag) ||
         glob(pattern, shown.repository);
}

Result<ImageFilter> ImageFilter::parse(const std::vector<std::string>& filters,
                                       const std::string& repository) {
  ImageFilter out;
  for (const std::string& filter : filters) {
    size_t eq = filter.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(Error("bad --filter \"" + filter + "\": want KEY=VALUE").with_hint(kKeyList));
    std::string key = filter.substr(0, eq);
    if (std::find(std::begin(kImageKeys), std::end(kImageKeys), key) == std::end(kImageKeys))
      return fail(Error("invalid filter '" + key + "'").with_hint(kKeyList));
    std::string value = filter.substr(eq + 1);
    if (key == "dangling" && value != "true" && value != "false")
      return fail("invalid filter 'dangling=" + value + "': want true or false");
    if (value.empty())
      return fail(Error("invalid filter '" + key + "=': give a value").with_hint(kKeyList));
    out.values_[key].push_back(value);
  }
  if (!repository.empty()) out.values_["reference"].push_back(repository);
  return out;
}

bool ImageFilter::matches(const ListedImage& image) const {
  for (const auto& [key, values] : values_) {
    bool ok = true;
    if (key == "dangling")
      ok = std::ranges::any_of(
          values, [&](const auto& v) { return image.record.dangling() == (v == "true"); });
    else if (key == "label")
      ok = std::ranges::any_of(values, [&](const std::string& v) {
        size_t eq = v.find('=');
        auto it = image.config.labels.find(v.substr(0, eq));
        return it != image.config.labels.end() &&
               (eq == std::string::npos || it->second == v.substr(eq + 1));
      });
    else if (key == "before")
      ok = created_ns(image) < before_ns_;
    else if (key == "since")
      ok = created_ns(image) > since_ns_;
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<ListedImage>> ImageFilter::apply(std::vector<ListedImage> all) const {
  ImageFilter self = *this;
  if (auto it = values_.find("before"); it != values_.end())
    self.before_ns_ = created_ns(*SBX_TRY_CTX(find_listed(all, it->second.back()), "before="));
  if (auto it = values_.find("since"); it != values_.end())
    self.since_ns_ = created_ns(*SBX_TRY_CTX(find_listed(all, it->second.back()), "since="));
  std::vector<ListedImage> out;
  for (ListedImage& image : all) {
    if (!self.matches(image)) continue;
    if (auto it = values_.find("reference");
        it != values_.end() && !keep_matching_names(image, it->second))
      continue;
    out.push_back(std::move(image));
  }
  return out;
}

std::vector<ListedImage> without_intermediate(std::vector<ListedImage> all) {
  std::vector<bool> hidden(all.size(), false);
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].record.repo_tags.empty()) continue;
    hidden[i] = std::any_of(all.begin(), all.end(),
                            [&](const ListedImage& other) { return is_parent_of(all[i], other); });
  }
  std::vector<ListedImage> out;
  for (size_t i = 0; i < all.size(); ++i)
    if (!hidden[i]) out.push_back(std::move(all[i]));
  return out;
}

}  // namespace sbx::cli
