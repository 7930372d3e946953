// --since/--until, --filter and the text form of `events`.
#include "event_filter.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace sbx::cli {
namespace {

constexpr int64_t kSecond = 1000000000;

// Go's duration grammar: [number unit]..., units ns us ms s m h.
std::optional<int64_t> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 12) return std::nullopt;
    int64_t value = std::stoll(std::string(text.substr(0, digits)));
    text.remove_prefix(digits);
    static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
        {"ns", 1},      {"us", 1000},        {"ms", 1000000},
        {"s", kSecond}, {"m", 60 * kSecond}, {"h", 3600 * kSecond}};
    bool found = false;
    for (const auto& [unit, scale] : kUnits)
      if (text.starts_with(unit)) {  // "ms" is tried before "m"
        total += value * scale;
        text.remove_prefix(unit.size());
        found = true;
        break;
      }
    if (!found) return std::nullopt;
  }
  return total;
}

// "1700000000" or "1700000000.123": nanoseconds.
std::optional<int64_t> parse_unix(std::string_view text) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  if (whole.empty() || !std::isdigit(static_cast<unsigned char>(whole[0]))) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc() || end != whole.data() + whole.size() || whole.empty()) return std::nullopt;
  int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    for (size_t i = 0; i < 9; ++i) {
      char c = i < fraction.size() ? fraction[i] : '0';
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      nanos = nanos * 10 + (c - '0');
    }
  }
  return seconds * kSecond + nanos;
}

// Reads `count` digits at `at` into `value`; false when they are not there.
bool take_digits(std::string_view text, size_t& at, size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i, ++at) {
    if (!std::isdigit(static_cast<unsigned char>(text[at]))) return false;
    value = value * 10 + (text[at] - '0');
  }
  return true;
}

// docker's forms of a time: 2006-01-02, then optionally T15, T15:04,
// T15:04:05 and a fraction, then optionally a zone (Z, +07:00). Without a
// zone it is local time, as docker's. Nanoseconds since the epoch.
std::optional<int64_t> parse_rfc3339_nano(std::string_view text) {
  std::tm tm{};
  size_t at = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!take_digits(text, at, 4, year) || text.substr(at, 1) != "-" ||
      !take_digits(text, ++at, 2, month) || text.substr(at, 1) != "-" ||
      !take_digits(text, ++at, 2, day) || month < 1 || month > 12 || day < 1 || day > 31)
    return std::nullopt;
  int64_t nanos = 0;
  if (at < text.size() && (text[at] == 'T' || text[at] == 't')) {
    if (!take_digits(text, ++at, 2, hour) || hour > 23) return std::nullopt;
    if (text.substr(at, 1) == ":" && !take_digits(text, ++at, 2, minute)) return std::nullopt;
    if (text.substr(at, 1) == ":" && !take_digits(text, ++at, 2, second)) return std::nullopt;
    if (minute > 59 || second > 60) return std::nullopt;
    if (text.substr(at, 1) == ".") {
      size_t digits = 0;
      for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at)
        if (digits++ < 9) nanos = nanos * 10 + (text[at] - '0');
      if (digits == 0) return std::nullopt;
      for (; digits < 9; ++digits) nanos *= 10;
    }
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::string_view zone = text.substr(at);
  int64_t seconds;
  if (zone.empty()) {
    tm.tm_isdst = -1;
    seconds = static_cast<int64_t>(std::mktime(&tm));
  } else if (zone == "Z" || zone == "z") {
    seconds = static_cast<int64_t>(::timegm(&tm));
  } else {
    int zone_hours = 0, zone_minutes = 0;
    size_t z = 1;
    if ((zone[0] != '+' && zone[0] != '-') || zone.size() != 6 ||
        !take_digits(zone, z, 2, zone_hours) || zone.substr(z, 1) != ":" ||
        !take_digits(zone, ++z, 2, zone_minutes))
      return std::nullopt;
    int64_t offset = zone_hours * 3600 + zone_minutes * 60;
    seconds = static_cast<int64_t>(::timegm(&tm)) + (zone[0] == '+' ? -offset : offset);
  }
  return seconds * kSecond + nanos;
}

// docker prints the local time, with its offset (Z in UTC).
std::string rfc3339_nano(int64_t nanos) {
  std::time_t seconds = static_cast<std::time_t>(nanos / kSecond);
  std::tm local{};
  ::localtime_r(&seconds, &local);
  char buf[80];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &local);
  n += static_cast<size_t>(
      std::snprintf(buf + n, sizeof buf - n, ".%09lld", static_cast<long long>(nanos % kSecond)));
  long offset = local.tm_gmtoff / 60;
  if (offset == 0)
    std::snprintf(buf + n, sizeof buf - n, "Z");
  else
    std::snprintf(buf + n, sizeof buf - n, "%c%02ld:%02ld", offset < 0 ? '-' : '+',
                  std::labs(offset) / 60, std::labs(offset) % 60);
  return buf;
}

std::string attribute(const store::Event& event, const std::string& key) {
  auto it = event.attributes.find(key);
  return it == event.attributes.end() ? "" : it->second;
}

// container=: a name, or a prefix of the id (docker takes both).
bool names_container(const store::Event& event, const std::string& value) {
  return event.type == "container" &&
         (attribute(event, "name") == value || (!value.empty() && event.id.starts_with(value)));
}

// image=: the name as given (with or without a tag), or an id prefix.
bool names_image(const store::Event& event, const std::string& value) {
  std::string name = event.type == "image" ? attribute(event, "name") : attribute(event, "image");
  if (value.empty()) return false;
  if (name == value || name.starts_with(value + ":") || name.ends_with("/" + value) ||
      name.find("/" + value + ":") != std::string::npos)
    return true;
  return event.type == "image" &&
         (event.id.starts_with(value) || event.id.starts_with("sha256:" + value));
}

}  // namespace

Result<int64_t> parse_event_time(std::string_view text, int64_t now_nano) {
  if (auto unix = parse_unix(text)) return *unix;
  if (auto duration = parse_duration(text)) return now_nano - *duration;
  if (auto time = parse_rfc3339_nano(text)) return *time;
  return fail(Error("invalid time \"" + std::string(text) + "\"", EINVAL)
                  .with_hint("give unix seconds (1700000000), an RFC 3339 time "
                             "(2026-01-02T03:04:05Z) or a duration back from now (10m, 1h)"));
}

Result<EventFilter> EventFilter::parse(const std::vector<std::string>& filters) {
  EventFilter filter;
  for (const auto& text : filters) {
    size_t eq = text.find('=');
    std::string key = text.substr(0, eq);
    if (key == "action") key = "event";
    if (eq == std::string::npos ||
        (key != "type" && key != "event" && key != "container" && key != "image"))
      return fail(Error("invalid filter '" + text + "'", EINVAL)
                      .with_hint("use type=, event=, container= or image="));
    filter.terms_[key].push_back(text.substr(eq + 1));
  }
  return filter;
}

bool EventFilter::matches(const store::Event& event) const {
  for (const auto& [key, values] : terms_) {
    bool any = false;
    for (const auto& value : values)
      any = any || (key == "type" && event.type == value) ||
            (key == "event" && event.action == value) ||
            (key == "container" && names_container(event, value)) ||
            (key == "image" && names_image(event, value));
    if (!any) return false;
  }
  return true;
}

std::string event_text(const store::Event& event) {
  std::string text =
      rfc3339_nano(event.time_nano) + " " + event.type + " " + event.action + " " + event.id;
  std::string attributes;
  for (const auto& [key, value] : event.attributes)
    attributes += (attributes.empty() ? "" : ", ") + key + "=" + value;
  if (!attributes.empty()) text += " (" + attributes + ")";
  return text;
}

nlohmann::json event_document(const store::Event& event) {
  auto doc = nlohmann::json::parse(store::event_to_json(event));
  doc["scope"] = "local";
  if (event.type == "container") {
    doc["status"] = event.action;
    doc["id"] = event.id;
    doc["from"] = attribute(event, "image");
  }
  return doc;
}

}  // namespace sbx::cli
