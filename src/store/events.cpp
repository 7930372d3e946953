// The event log: JSON lines appended to <store>/events.log.
#include "sandbox/store/events.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"

namespace sbx::store {

std::filesystem::path events_path(const std::filesystem::path& store_root) {
  return store_root / "events.log";
}

std::string event_to_json(const Event& event) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [key, value] : event.attributes) attributes[key] = value;
  nlohmann::json doc = {{"Type", event.type},
                        {"Action", event.action},
                        {"Actor", {{"ID", event.id}, {"Attributes", attributes}}},
                        {"time", event.time_nano / 1000000000},
                        {"timeNano", event.time_nano}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Event> event_from_json(std::string_view line) {
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("event log: a line is not JSON");
  Event event;
  try {
    event.type = doc.at("Type").get<std::string>();
    event.action = doc.at("Action").get<std::string>();
    event.id = doc.at("Actor").at("ID").get<std::string>();
    event.time_nano = doc.at("timeNano").get<int64_t>();
    for (const auto& [key, value] : doc.at("Actor").at("Attributes").items())
      event.attributes[key] = value.get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return fail("event log: a line is not an event");
  }
  return event;
}

Status record_event(const std::filesystem::path& store_root, Event event) {
  if (event.time_nano == 0)
    event.time_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto path = events_path(store_root);
  auto fd = SBX_TRY(open_file(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  // One write(2) per line: appends never interleave.
  return write_all(fd.get(), event_to_json(event) + "\n");
}

Result<std::vector<Event>> read_events(const std::filesystem::path& store_root, uint64_t& offset) {
  std::vector<Event> events;
  UniqueFd fd(::open(events_path(store_root).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return events;  // nothing happened yet
    return fail_errno("open", events_path(store_root).native());
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd.get(), buf, sizeof buf, static_cast<off_t>(offset + text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", events_path(store_root).native());
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto event = event_from_json(std::string_view(text).substr(start, nl - start));
    if (event) events.push_back(std::move(*event));  // a torn line (disk full) is skipped
  }
  offset += start;
  return events;
}

}  // namespace sbx::store
