// `sandbox history IMAGE`: the config's history as docker shows it, newest
// first, one row per step (the rows `--format` renders).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/image/manifest.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::cli {

struct HistoryOptions {
  bool no_trunc = false;  // full ids and CreatedBy
  bool human = true;      // sizes and times for people (else bytes and RFC 3339)
};

// Fields as docker names them: ID (the image's for the top row, "<missing>"
// below, as docker shows pulled images), CreatedAt, CreatedSince, CreatedBy
// (cut to 45 characters with an ellipsis unless no_trunc), Size (of the layer
// a step made, 0B for a config-only step), Comment. A config without history
// gets one row per layer.
std::vector<nlohmann::json> history_rows(const store::ImageRecord& record,
                                         const image::ImageConfig& config, int64_t now,
                                         const HistoryOptions& options);
const std::map<std::string, std::string>& history_headers();
// docker's default table.
inline constexpr const char* kHistoryTable =
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

}  // namespace sbx::cli
