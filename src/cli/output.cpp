#include "output.hpp"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "sandbox/base/strings.hpp"
#include "sandbox/store/lookup.hpp"

namespace sbx::cli {

using nlohmann::json;

std::string Table::render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string time_ago(int64_t then, int64_t now) {
  if (then <= 0) return "N/A";
  int64_t seconds = std::max<int64_t>(now - then, 0);
  auto plural = [](int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  std::string text;
  int64_t minutes = seconds / 60, hours = (seconds + 1800) / 3600;
  if (seconds < 1)
    text = "Less than a second";
  else if (seconds < 60)
    text = plural(seconds, "second");
  else if (minutes == 1)
    text = "About a minute";
  else if (minutes < 60)
    text = plural(minutes, "minute");
  else if (hours == 1)
    text = "About an hour";
  else if (hours < 48)
    text = plural(hours, "hour");
  else if (hours < 24 * 7 * 2)
    text = plural(hours / 24, "day");
  else if (hours < 24 * 30 * 2)
    text = plural(hours / 24 / 7, "week");
  else if (hours < 24 * 365 * 2)
    text = plural(hours / 24 / 30, "month");
  else
    text = plural(hours / 24 / 365, "year");
  return text + " ago";
}

namespace {

struct Row {
  std::string repository, tag;
};

// The (repository, tag) rows an image shows as in docker's table.
std::vector<Row> rows_of(const store::ImageRecord& image) {
  std::vector<Row> rows;
  for (const std::string& name : image.repo_tags) {
    store::DisplayName shown = store::display_name(name);
    rows.push_back({shown.repository, shown.tag});
  }
  if (rows.empty() && !image.repo_digests.empty())
    rows.push_back({store::display_name(image.repo_digests[0]).repository, "<none>"});
  if (rows.empty()) rows.push_back({"<none>", "<none>"});
  return rows;
}

std::vector<std::string> familiar(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    store::DisplayName shown = store::display_name(name);
    bool digest = shown.tag.starts_with("sha256:");
    out.push_back(shown.repository + (digest ? "@" : ":") + shown.tag);
  }
  return out;
}

// The manifest digest `image` has in `repository` ("<none>" when not pulled from it).
std::string digest_in(const store::ImageRecord& image, const std::string& repository) {
  for (const std::string& name : image.repo_digests) {
    store::DisplayName shown = store::display_name(name);
    if (shown.repository == repository) return shown.tag;
  }
  return "<none>";
}

}  // namespace

std::string images_table(const std::vector<store::ImageRecord>& images, int64_t now,
                         ImagesTableOptions options) {
  std::vector<std::string> headers{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
  if (options.digests) headers.insert(headers.begin() + 2, "DIGEST");
  Table table(headers);
  for (const store::ImageRecord& image : images) {
    int64_t created = store::parse_rfc3339(image.created);
    for (const Row& row : rows_of(image)) {
      std::vector<std::string> cells{
          row.repository, row.tag, options.no_trunc ? image.id.str() : image.id.short_hex(),
          time_ago(created, now), human_size(static_cast<double>(image.size()))};
      if (options.digests) cells.insert(cells.begin() + 2, digest_in(image, row.repository));
      table.add_row(std::move(cells));
    }
  }
  return table.render();
}

std::string images_quiet(const std::vector<store::ImageRecord>& images, bool no_trunc) {
  std::string out;
  for (const store::ImageRecord& image : images)
    out += (no_trunc ? image.id.str() : image.id.short_hex()) + "\n";
  return out;
}

std::vector<json> image_rows(const std::vector<store::ImageRecord>& images, int64_t now,
                             bool no_trunc) {
  std::vector<json> out;
  for (const store::ImageRecord& image : images) {
    int64_t created = store::parse_rfc3339(image.created);
    for (const Row& row : rows_of(image)) {
      std::string digest = digest_in(image, row.repository);
      out.push_back({{"ID", no_trunc ? image.id.str() : image.id.short_hex()},
                     {"Repository", row.repository},
                     {"Tag", row.tag},
                     {"Digest", digest},
                     {"CreatedAt", image.created},
                     {"CreatedSince", time_ago(created, now)},
                     {"Size", human_size(static_cast<double>(image.size()))}});
    }
  }
  return out;
}

const std::map<std::string, std::string>& image_headers() {
  static const std::map<std::string, std::string> headers = {
      {"ID", "IMAGE ID"},   {"Repository", "REPOSITORY"}, {"Tag", "TAG"},
      {"Digest", "DIGEST"}, {"CreatedAt", "CREATED AT"},  {"CreatedSince", "CREATED"},
      {"Size", "SIZE"}};
  return headers;
}

std::string images_json(const std::vector<store::ImageRecord>& images, int64_t now) {
  json list = json::array();
  for (const store::ImageRecord& image : images) {
    int64_t created = store::parse_rfc3339(image.created);
    for (const Row& row : rows_of(image)) {
      list.push_back({{"Id", image.id.str()},
                      {"Repository", row.repository},
                      {"Tag", row.tag},
                      {"RepoTags", familiar(image.repo_tags)},
                      {"RepoDigests", familiar(image.repo_digests)},
                      {"Created", created},
                      {"CreatedAt", image.created},
                      {"CreatedSince", time_ago(created, now)},
                      {"Size", image.size()}});
    }
  }
  return list.dump(2) + "\n";
}

namespace {

// The image's "config" in docker's shape: every field docker always prints
// (Entrypoint apart from Cmd, Labels, Env... null when unset), then what the
// image sets (ExposedPorts, StopSignal, Healthcheck only when set, as docker).
json docker_image_config(const json& image_config) {
  json out{{"Hostname", ""},       {"Domainname", ""},      {"User", ""},
           {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false},
           {"Tty", false},         {"OpenStdin", false},    {"StdinOnce", false},
           {"Env", nullptr},       {"Cmd", nullptr},        {"Image", ""},
           {"Volumes", nullptr},   {"WorkingDir", ""},      {"Entrypoint", nullptr},
           {"OnBuild", nullptr},   {"Labels", nullptr}};
  if (image_config.is_object())
    for (const auto& [key, value] : image_config.items()) out[key] = value;
  return out;
}

json inspect_object(const store::ImageRecord& image, const std::string& config_json) {
  json config = json::parse(config_json, nullptr, false);
  if (!config.is_object()) config = json::object();
  json layers = json::array();
  for (const store::LayerRecord& layer : image.layers) layers.push_back(layer.diff_id.str());
  json object{{"Id", image.id.str()},
              {"RepoTags", familiar(image.repo_tags)},
              {"RepoDigests", familiar(image.repo_digests)},
              {"Parent", ""},
              {"Comment", config.value("comment", "")},
              {"Created", config.value("created", image.created)},
              {"Author", config.value("author", "")},
              {"Config", docker_image_config(config.value("config", json::object()))},
              {"Architecture", image.architecture},
              {"Os", image.os},
              {"Size", image.size()},
              {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
              {"Metadata", {{"LastTagTime", store::format_rfc3339(image.stored_at)}}},
              {"ManifestDigest", image.manifest_digest.str()}};
  if (!image.variant.empty()) object["Variant"] = image.variant;
  return object;
}
}  // namespace

std::string image_inspect_json(
    const std::vector<std::pair<store::ImageRecord, std::string>>& images) {
  json list = json::array();
  for (const auto& [image, config] : images) list.push_back(inspect_object(image, config));
  return list.dump(4) + "\n";
}

std::string disk_usage_table(const store::DiskUsage& usage) {
  auto percent = [](uint64_t part, uint64_t whole) {
    return whole == 0 ? std::string() : " (" + std::to_string(part * 100 / whole) + "%)";
  };
  Table table({"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
  table.add_row({"Images", std::to_string(usage.images), std::to_string(usage.images_in_use),
                 human_size(static_cast<double>(usage.images_bytes)),
                 human_size(static_cast<double>(usage.reclaimable_bytes)) +
                     percent(usage.reclaimable_bytes, usage.images_bytes)});
  table.add_row({"Containers", std::to_string(usage.containers), "-",
                 human_size(static_cast<double>(usage.containers_bytes)), "-"});
  table.add_row({"Layers", std::to_string(usage.layers), "-", "-", "-"});
  table.add_row({"Blobs", std::to_string(usage.blobs), "-",
                 human_size(static_cast<double>(usage.blobs_bytes)), "-"});
  return table.render();
}

}  // namespace sbx::cli
