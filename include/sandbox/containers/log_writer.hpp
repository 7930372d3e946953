// ctr.log as podman's k8s-file driver writes it, for the output a foreground
// run copies (the monitor, a static C helper, writes the same records for
// detached containers; `logs` reads both with parse_log_record).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::containers {

// The records for one chunk of a stream, as the monitor writes them: one per
// line, `<time> <stdout|stderr> <F|P> <text>\n`, the last piece P (partial,
// continued by the next record) when `data` does not end in a newline.
std::string format_log_records(std::string_view time, bool is_stderr, std::string_view data);

// Appends records to a container's ctr.log.
class LogWriter {
 public:
  // Opens (creating, 0600) `path` for appending.
  static Result<LogWriter> open(const std::filesystem::path& path);
  // Best effort, as the monitor's: a full disk loses log lines, never the
  // container's output.
  void write(bool is_stderr, std::string_view data);

 private:
  explicit LogWriter(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace sbx::containers
