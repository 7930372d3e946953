// Output of `sandbox stats`: docker's table, one JSON object per line, or a Go
// template over docker's field names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/stats.hpp"

namespace sbx::cli {

// One row per sample, as docker names the fields: Container, ID (short), Name,
// CPUPerc "1.23%", MemUsage "1.5MiB / 2GiB", MemPerc, NetIO, BlockIO, PIDs.
std::vector<nlohmann::json> stats_rows(const std::vector<containers::StatsSample>& samples);
// The header of each field in `stats --format 'table ...'`.
const std::map<std::string, std::string>& stats_headers();
// `format`: "" or "table" (docker's columns), "json" (the raw figures, one
// object per line) or a Go template; anything else is an error.
Result<std::string> stats_output(const std::vector<containers::StatsSample>& samples,
                                 const std::string& format);
// Whether `format` is one stats_output takes (checked before sampling).
Status check_stats_format(const std::string& format);

}  // namespace sbx::cli
