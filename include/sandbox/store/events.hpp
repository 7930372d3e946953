// The per-user event log (`sandbox events`): one JSON document per line,
// appended to <store>/events.log by the commands that change a container or
// an image (create, start, die, stop, kill, pause, unpause, remove, pull, tag,
// untag, delete). No daemon: whoever makes the change writes the line (the
// monitor's `container cleanup` writes `die`). Appends of one short line with
// O_APPEND never interleave, so no lock is needed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::store {

struct Event {
  int64_t time_nano = 0;  // since the epoch, UTC; 0: now, when recorded
  std::string type;       // container | image
  std::string action;     // create, start, die, ...
  std::string id;         // the container's or image's id (or a name for untag)
  std::map<std::string, std::string> attributes;  // name, image, exitCode, ...
  friend bool operator==(const Event&, const Event&) = default;
};

std::filesystem::path events_path(const std::filesystem::path& store_root);

// Appends `event` (time filled in when 0). Callers ignore a failure: the
// event log never fails the change it describes.
Status record_event(const std::filesystem::path& store_root, Event event);

// One line of the log in docker's JSON shape (Type, Action, Actor{ID,
// Attributes}, time, timeNano), and back. A line that is not an event: error.
std::string event_to_json(const Event& event);
Result<Event> event_from_json(std::string_view line);

// The events in `store_root`'s log from byte `offset` on, whole lines only;
// `offset` moves past what was read (a partial last line is left for later).
Result<std::vector<Event>> read_events(const std::filesystem::path& store_root, uint64_t& offset);

// Wakes a follower when the log grows (inotify on the store's directory, for
// events.log only: it may not exist yet). Made before the first read, so
// that nothing written after that read goes unseen.
class EventLogWatch {
 public:
  static Result<EventLogWatch> open(const std::filesystem::path& store_root);
  // Waits until the log changed or `timeout_ms` passed (-1: no limit).
  Status wait(int timeout_ms);

 private:
  UniqueFd fd_;
};

}  // namespace sbx::store
