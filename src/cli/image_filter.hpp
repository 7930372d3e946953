// `images --filter KEY=VALUE` and `images REPO[:TAG]`, docker's keys:
// dangling, label, reference, before, since. The same key given twice matches
// either value; different keys must all match. Also which images are
// intermediate (hidden without -a).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::cli {

// An image as listed, with its config (labels, history, created).
struct ListedImage {
  store::ImageRecord record;
  image::ImageConfig config;
};

class ImageFilter {
 public:
  // Parses the --filter values and the REPO[:TAG] argument (empty: none), which
  // is a reference= filter as in docker; an unknown key, a value without '='
  // or a dangling= other than true/false is an error.
  static Result<ImageFilter> parse(const std::vector<std::string>& filters,
                                   const std::string& repository);

  // The images (newest first, as listed) that pass. A reference= filter also
  // drops the names of an image that do not match, so only matching rows show.
  // before/since name one of `all`, else it is an error.
  Result<std::vector<ListedImage>> apply(std::vector<ListedImage> all) const;

 private:
  bool matches(const ListedImage& image) const;
  std::map<std::string, std::vector<std::string>> values_;
  int64_t before_ns_ = 0, since_ns_ = 0;  // set by apply
};

// docker's reference= match: a glob ('*' stops at '/') over the familiar
// "repository:tag", or the repository alone. `canonical` is a stored name.
bool reference_matches(const std::string& pattern, const std::string& canonical);

// Without -a, docker hides intermediate images: untagged ones that are the
// parent of another (its layers and history a proper prefix of the other's),
// as build steps leave them.
std::vector<ListedImage> without_intermediate(std::vector<ListedImage> all);

// Nanoseconds since the epoch of an RFC 3339 time; 0 when it does not parse.
int64_t rfc3339_nanoseconds(const std::string& text);

}  // namespace sbx::cli
