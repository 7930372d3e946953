// Output formats shared by the commands: docker-style tables, relative
// times, and the JSON documents of `images --format json` and `inspect`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/store/store.hpp"

namespace sbx::cli {

// Columns padded like docker's tabwriter (3 spaces between columns).
class Table {
 public:
  explicit Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// The current time in seconds since the epoch, as the tables take it.
int64_t now();

// "Less than a second ago", "3 minutes ago", "About an hour ago", "2 weeks ago".
std::string time_ago(int64_t then, int64_t now);

struct ImagesTableOptions {
  bool no_trunc = false;  // IMAGE ID as sha256:<64 hex>
  bool digests = false;   // a DIGEST column (the row's repository's manifest digest)
};
// `sandbox images`: one row per tag (a digest-only image shows its repository
// with tag <none>; an unnamed one <none> <none>), newest first.
std::string images_table(const std::vector<store::ImageRecord>& images, int64_t now,
                         ImagesTableOptions options = {});
// `images -q`: unique ids (short unless no_trunc), one per line.
std::string images_quiet(const std::vector<store::ImageRecord>& images, bool no_trunc = false);
// `images --format json`: an array of objects (Id, Repository, Tag, RepoTags,
// RepoDigests, Created, CreatedAt, CreatedSince, Size).
std::string images_json(const std::vector<store::ImageRecord>& images, int64_t now);

// The rows `images --format TEMPLATE` renders, with docker's field names (ID
// short unless no_trunc, Repository, Tag, Digest, CreatedAt, CreatedSince,
// Size as docker shows it), and the header of each for 'table ...'.
std::vector<nlohmann::json> image_rows(const std::vector<store::ImageRecord>& images, int64_t now,
                                       bool no_trunc);
const std::map<std::string, std::string>& image_headers();

// `inspect IMAGE...`: docker's shape (an array, one object per image); each
// image comes with its config blob as stored.
std::string image_inspect_json(
    const std::vector<std::pair<store::ImageRecord, std::string>>& images);

// `system df`.
std::string disk_usage_table(const store::DiskUsage& usage);

}  // namespace sbx::cli
