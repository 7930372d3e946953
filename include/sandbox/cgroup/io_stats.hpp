// The NET I/O and BLOCK I/O figures of `sandbox stats` (docker's columns):
// bytes in and out of the container's network namespace, and bytes read and
// written by its cgroup. Parsers are pure and unit-tested.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace sbx::cgroup {

struct IoBytes {
  uint64_t in = 0;   // network: received; block: read
  uint64_t out = 0;  // network: sent; block: written
  friend bool operator==(const IoBytes&, const IoBytes&) = default;
};

// /proc/<pid>/net/dev: every interface but lo, summed; nullopt when the text
// has no interface lines.
std::optional<IoBytes> parse_net_dev(std::string_view text);
// io.stat ("8:0 rbytes=.. wbytes=.. rios=.."): every device, summed.
IoBytes parse_io_stat(std::string_view text);

// From the first process of `cgroup` (all of a container share its network
// namespace); nullopt when it has none or /proc refuses.
std::optional<IoBytes> read_net_io(const std::filesystem::path& cgroup);
// nullopt when the io controller is not enabled for `cgroup` (no io.stat).
std::optional<IoBytes> read_block_io(const std::filesystem::path& cgroup);

}  // namespace sbx::cgroup
