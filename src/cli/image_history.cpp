#include "image_history.hpp"

#include <algorithm>

#include "output.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::cli {
namespace {

using nlohmann::json;

// docker's Ellipsis: at most `width` characters (UTF-8 aware), the last one "…".
std::string ellipsis(const std::string& text, size_t width) {
  size_t characters = 0, cut = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (characters == width - 1) cut = i;
    if (++characters > width) return text.substr(0, cut) + "…";
  }
  return text;
}

std::string created_by(std::string text, bool no_trunc) {
  std::replace(text.begin(), text.end(), '\t', ' ');
  return no_trunc ? text : ellipsis(text, 45);
}

json row(const std::string& id, const std::string& created, const std::string& by, uint64_t size,
         const std::string& comment, int64_t now, const HistoryOptions& options) {
  int64_t then = store::parse_rfc3339(created);
  std::string since = options.human ? time_ago(then, now) : created;
  std::string shown_size = std::to_string(size);
  if (options.human) {  // docker's "2.5MB", "0B": no space
    shown_size = human_size(static_cast<double>(size));
    std::erase(shown_size, ' ');
  }
  return {{"ID", id},
          {"CreatedAt", created},
          {"CreatedSince", since},
          {"CreatedBy", created_by(by, options.no_trunc)},
          {"Size", shown_size},
          {"Comment", comment}};
}

}  // namespace

std::vector<json> history_rows(const store::ImageRecord& record, const image::ImageConfig& config,
                               int64_t now, const HistoryOptions& options) {
  std::vector<json> rows;  // oldest first, reversed at the end
  const auto& layers = record.layers;
  if (config.history.empty()) {
    for (const store::LayerRecord& layer : layers)
      rows.push_back(row("<missing>", config.created, "", layer.size, "", now, options));
  } else {
    size_t next_layer = 0;
    for (const image::HistoryEntry& entry : config.history) {
      uint64_t size = 0;
      if (!entry.empty_layer && next_layer < layers.size()) size = layers[next_layer++].size;
      rows.push_back(
          row("<missing>", entry.created, entry.created_by, size, entry.comment, now, options));
    }
  }
  std::reverse(rows.begin(), rows.end());
  if (!rows.empty())
    rows.front()["ID"] = options.no_trunc ? record.id.str() : record.id.short_hex();
  return rows;
}

const std::map<std::string, std::string>& history_headers() {
  static const std::map<std::string, std::string> headers = {{"ID", "IMAGE"},
                                                             {"CreatedAt", "CREATED AT"},
                                                             {"CreatedSince", "CREATED"},
                                                             {"CreatedBy", "CREATED BY"},
                                                             {"Size", "SIZE"},
                                                             {"Comment", "COMMENT"}};
  return headers;
}

}  // namespace sbx::cli
