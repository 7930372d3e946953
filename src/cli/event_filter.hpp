// `events`: which events to show (--since, --until, --filter) and how one
// prints (docker's text line, or the JSON documents --format renders).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/base/error.hpp"
#include "sandbox/store/events.hpp"

namespace sbx::cli {

// docker's time forms for --since/--until: unix seconds ("1700000000",
// "1700000000.5"), RFC 3339 ("2026-01-02T03:04:05Z", or shorter: a date, a
// date and hour, ...; local time without a zone), or a
// duration back from `now_nano` ("10m", "1h30m", "500ms"). Nanoseconds.
Result<int64_t> parse_event_time(std::string_view text, int64_t now_nano);

class EventFilter {
 public:
  // KEY=VALUE with KEY one of type, event (or action), container, image;
  // values of one key are alternatives, keys must all match.
  static Result<EventFilter> parse(const std::vector<std::string>& filters);
  bool matches(const store::Event& event) const;

 private:
  std::map<std::string, std::vector<std::string>> terms_;
};

// `2026-01-02T03:04:05.000000001Z container create ID (image=..., name=...)`,
// in local time as docker's (an offset instead of Z outside UTC).
std::string event_text(const store::Event& event);
// The document --format sees: the log's line with docker's older fields too
// (status, id, from, scope).
nlohmann::json event_document(const store::Event& event);

}  // namespace sbx::cli
