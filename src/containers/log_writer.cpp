// k8s-file records for ctr.log (format: include/sandbox/containers/log_writer.hpp).
#include "sandbox/containers/log_writer.hpp"

#include <fcntl.h>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {

std::string format_log_records(std::string_view time, bool is_stderr, std::string_view data) {
  std::string out;
  std::string_view stream = is_stderr ? " stderr " : " stdout ";
  while (!data.empty()) {
    size_t nl = data.find('\n');
    bool full = nl != std::string_view::npos;
    std::string_view line = data.substr(0, full ? nl : data.size());
    out.append(time).append(stream).append(full ? "F " : "P ").append(line).push_back('\n');
    data.remove_prefix(full ? nl + 1 : data.size());
  }
  return out;
}

Result<LogWriter> LogWriter::open(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return fail_errno("open", path.string());
  return LogWriter(std::move(fd));
}

void LogWriter::write(bool is_stderr, std::string_view data) {
  (void)write_all(fd_.get(), format_log_records(now_rfc3339(), is_stderr, data));
}

}  // namespace sbx::containers
