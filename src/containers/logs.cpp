// `logs`: reads ctr.log (podman's k8s-file format, written by the monitor)
// and, with -f, follows it until the container has ended.
#include <fcntl.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"

namespace sbx::containers {
namespace {

using namespace std::chrono_literals;

// Turns records into output, joining partial (P) records with what follows.
class LogPrinter {
 public:
  LogPrinter(const LogOptions& options, const std::function<void(bool, std::string_view)>& sink)
      : options_(options), sink_(sink) {}

  void print(const LogRecord& r) {
    std::string out;
    bool& at_line_start = r.is_stderr ? err_line_start_ : out_line_start_;
    if (options_.timestamps && at_line_start) out += r.time + " ";
    out += r.text;
    if (!r.partial) out += "\n";
    at_line_start = !r.partial;
    sink_(r.is_stderr, out);
  }

 private:
  const LogOptions& options_;
  const std::function<void(bool, std::string_view)>& sink_;
  bool out_line_start_ = true, err_line_start_ = true;
};

// The records of the complete lines in `text` (from `offset`); moves offset
// past them, leaving a line still being written for the next read.
std::vector<LogRecord> take_records(const std::string& text, size_t& offset) {
  std::vector<LogRecord> records;
  for (size_t nl; (nl = text.find('\n', offset)) != std::string::npos; offset = nl + 1)
    if (auto r = parse_log_record(std::string_view(text).substr(offset, nl - offset)))
      records.push_back(std::move(*r));
  return records;
}

// Only the last `lines` lines (a line ends with an F record).
std::vector<LogRecord> last_lines(std::vector<LogRecord> records, size_t lines) {
  size_t seen = 0, start = records.size();
  while (start > 0) {
    if (!records[start - 1].partial && seen++ == lines) break;
    --start;
  }
  records.erase(records.begin(), records.begin() + static_cast<long>(start));
  return records;
}

bool still_running(const Containers& containers, const std::string& id) {
  auto info = containers.info(id);
  if (!info) return false;
  if (info->status == ContainerStatus::kRunning) return true;
  // Ended, but the monitor may still be draining the last output.
  return info->runtime && info->status != ContainerStatus::kExited &&
         process_alive(info->runtime->monitor_pid, info->runtime->monitor_start_time);
}

}  // namespace

std::optional<LogRecord> parse_log_record(std::string_view line) {
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = line.find(' ', a + 1);
  if (b == std::string_view::npos || b + 2 > line.size()) return std::nullopt;
  std::string_view stream = line.substr(a + 1, b - a - 1);
  char tag = line[b + 1];
  if ((stream != "stdout" && stream != "stderr") || (tag != 'F' && tag != 'P')) return std::nullopt;
  if (b + 2 < line.size() && line[b + 2] != ' ') return std::nullopt;
  LogRecord r;
  r.time = std::string(line.substr(0, a));
  r.is_stderr = stream == "stderr";
  r.partial = tag == 'P';
  r.text = b + 3 <= line.size() ? std::string(line.substr(b + 3)) : std::string();
  return r;
}

Status read_logs(const Containers& containers, const std::string& id, const LogOptions& options,
                 const std::function<void(bool, std::string_view)>& sink) {
  auto info = SBX_TRY(containers.info(id));
  if (!keeps_log(info.spec))
    return fail(Error("container " + info.name + " uses the " + info.spec.log_driver +
                          " log driver: it keeps no logs to read",
                      ENOTSUP)
                    .with_hint("run it with --log-driver k8s-file (the default) to have logs"));
  auto path = container_log_file(info.spec, info.store_dir);
  LogPrinter printer(options, sink);
  std::string text;
  size_t offset = 0;
  auto read_more = [&]() -> Status {
    auto now = read_file(path);
    if (!now) {
      if (now.error().errno_value() == ENOENT) return {};  // nothing written yet (or -t run)
      return fail(std::move(now).error());
    }
    if (now->size() > text.size()) text = std::move(*now);
    return {};
  };
  SBX_TRY(read_more());
  auto first = take_records(text, offset);
  if (options.tail) first = last_lines(std::move(first), *options.tail);
  for (const auto& r : first) printer.print(r);
  if (!options.follow) return {};
  for (;;) {
    bool running = still_running(containers, id);
    SBX_TRY(read_more());
    for (const auto& r : take_records(text, offset)) printer.print(r);
    if (!running) return {};
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace sbx::containers
