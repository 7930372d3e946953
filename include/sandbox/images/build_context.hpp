// The pure parts of `build` that belong to images: .dockerignore patterns and
// the layer cache's keys and records.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

// A .dockerignore (.containerignore): one pattern a line, '#' comments,
// '!' exceptions, Go filepath.Match globs plus "**" for any number of
// directories; the last matching pattern wins and a match on a parent
// directory covers what is inside.
class IgnoreRules {
 public:
  static IgnoreRules parse(std::string_view text);
  // `path` relative to the context, '/'-separated, no leading "./".
  bool excluded(std::string_view path) const;
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;
    bool exception = false;
  };
  std::vector<Pattern> patterns_;
};

// One glob (Go's filepath.Match: *, ?, [a-z], [^a], escapes) against a whole
// path; "**" as a path element matches zero or more elements.
bool match_glob(std::string_view pattern, std::string_view path);

// The layer cache: a step's result is keyed on its parent image, the
// instruction as run (variables expanded, with its build args) and, for
// COPY and ADD, a digest of what it copies.
std::string build_cache_key(const image::Digest& parent, std::string_view instruction,
                            std::string_view content_digest);

// build-cache/<key> in the store holds the image id of the step's result;
// a hit whose image is gone is a miss.
Result<std::optional<image::Digest>> find_cached_step(const store::Store& store,
                                                      const std::string& key);
Status record_cached_step(const store::Store& store, const std::string& key,
                          const image::Digest& image);

}  // namespace sbx::images
