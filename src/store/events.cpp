// The event log: JSON lines appended to <store>/events.log.
#include "sandbox/store/events.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
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

Result<EventLogWatch> EventLogWatch::open(const std::filesystem::path& store_root) {
  EventLogWatch watch;
  watch.fd_ = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!watch.fd_) return fail_errno("inotify_init1", events_path(store_root).native());
  if (::inotify_add_watch(watch.fd_.get(), store_root.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    return fail_errno("inotify_add_watch", store_root.native());
  return watch;
}

Status EventLogWatch::wait(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = timeout_ms;
    if (timeout_ms >= 0)
      left = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                   std::chrono::steady_clock::now())
                 .count()));
    pollfd p{fd_.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail_errno("poll", "the event log's inotify watch");
    if (ready == 0) return {};
    // Other files of the store change too: only events.log's changes count.
    alignas(inotify_event) char buf[4096];
    bool ours = false;
    ssize_t n;
    while ((n = ::read(fd_.get(), buf, sizeof buf)) > 0)
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buf + at);
        if (event->len > 0 && std::string_view(event->name) == "events.log") ours = true;
        if (event->mask & IN_Q_OVERFLOW) ours = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    if (ours) return {};
  }
}

}  // namespace sbx::store
