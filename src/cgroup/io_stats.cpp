#include "sandbox/cgroup/io_stats.hpp"

#include <charconv>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::cgroup {
namespace {

std::optional<uint64_t> to_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t start = text.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    at = end;
  }
  return out;
}

}  // namespace

std::optional<IoBytes> parse_net_dev(std::string_view text) {
  std::optional<IoBytes> total;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    // "  eth0: rx_bytes rx_packets ... (8 receive fields) tx_bytes ..."
    size_t colon = line.find(':');
    if (colon == std::string::npos || line.find('|') != std::string::npos) continue;
    auto fields = words(std::string_view(line).substr(colon + 1));
    auto rx = fields.size() > 8 ? to_number(fields[0]) : std::nullopt;
    auto tx = fields.size() > 8 ? to_number(fields[8]) : std::nullopt;
    if (!rx || !tx) continue;
    if (!total) total = IoBytes{};
    if (trim(std::string_view(line).substr(0, colon)) == "lo") continue;
    total->in += *rx;
    total->out += *tx;
  }
  return total;
}

IoBytes parse_io_stat(std::string_view text) {
  IoBytes total;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);)
    for (auto word : words(line)) {
      if (word.starts_with("rbytes="))
        total.in += to_number(word.substr(7)).value_or(0);
      else if (word.starts_with("wbytes="))
        total.out += to_number(word.substr(7)).value_or(0);
    }
  return total;
}

std::optional<IoBytes> read_net_io(const std::filesystem::path& cgroup) {
  auto procs = read_file(cgroup / "cgroup.procs");
  if (!procs) return std::nullopt;
  std::string pid(trim(procs->substr(0, procs->find('\n'))));
  if (pid.empty()) return std::nullopt;
  auto text = read_file("/proc/" + pid + "/net/dev");
  return text ? parse_net_dev(*text) : std::nullopt;
}

std::optional<IoBytes> read_block_io(const std::filesystem::path& cgroup) {
  auto text = read_file(cgroup / "io.stat");
  if (!text) return std::nullopt;
  return parse_io_stat(*text);
}

}  // namespace sbx::cgroup
