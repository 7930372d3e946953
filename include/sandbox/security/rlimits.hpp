// Resource limits: docker's --ulimit grammar and applying them in the child.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::security {

struct Rlimit {
  int resource = 0;  // RLIMIT_NOFILE, ...
  rlim_t soft = RLIM_INFINITY;
  rlim_t hard = RLIM_INFINITY;
  friend bool operator==(const Rlimit&, const Rlimit&) = default;
};

// "nofile=1024", "nofile=1024:4096", "core=-1", "stack=unlimited:unlimited".
// Names as docker's: core cpu data fsize locks memlock msgqueue nice nofile
// nproc rss rtprio rttime sigpending stack. Soft above hard = error.
Result<Rlimit> parse_ulimit(std::string_view text);
// RLIMIT_NOFILE -> "nofile"; "" if unknown.
std::string_view rlimit_name(int resource);

// Planning check: an unprivileged process cannot raise a hard limit above
// its current one; says which limit and what the current hard limit is.
Status check_rlimit_allowed(const Rlimit& limit);

// In the child: setrlimit for each. Returns 0 or the first errno.
int apply_rlimits(std::span<const Rlimit> limits) noexcept;

}  // namespace sbx::security
