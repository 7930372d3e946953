// docker's --ulimit grammar and setrlimit in the child.
#include "sandbox/security/rlimits.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <utility>

namespace sbx::security {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 16> kNames = {{
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
    {"as", RLIMIT_AS},
}};

// "-1" and "unlimited" mean no limit; otherwise a non-negative integer.
Result<rlim_t> parse_value(std::string_view text, std::string_view whole) {
  if (text == "-1" || text == "unlimited") return RLIM_INFINITY;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail("--ulimit " + std::string(whole) + ": invalid value \"" + std::string(text) +
                    "\" (a number, -1 or unlimited)",
                EINVAL);
  }
  return static_cast<rlim_t>(value);
}

std::string value_text(rlim_t value) {
  return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

}  // namespace

std::string_view rlimit_name(int resource) {
  for (const auto& [name, r] : kNames) {
    if (r == resource) return name;
  }
  return "";
}

Result<Rlimit> parse_ulimit(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return fail("--ulimit " + std::string(text) + ": expected NAME=SOFT[:HARD]", EINVAL);
  }
  std::string_view name = text.substr(0, eq);
  std::string_view values = text.substr(eq + 1);
  Rlimit limit;
  bool known = false;
  for (const auto& [n, r] : kNames) {
    if (n == name) {
      limit.resource = r;
      known = true;
    }
  }
  if (!known) {
    return fail("--ulimit " + std::string(text) + ": unknown limit \"" + std::string(name) + "\"",
                EINVAL);
  }
  auto colon = values.find(':');
  limit.soft = SBX_TRY(parse_value(values.substr(0, colon), text));
  limit.hard = colon == std::string_view::npos
                   ? limit.soft
                   : SBX_TRY(parse_value(values.substr(colon + 1), text));
  if (limit.soft > limit.hard) {
    return fail("--ulimit " + std::string(text) + ": soft limit above the hard limit", EINVAL);
  }
  return limit;
}

Status check_rlimit_allowed(const Rlimit& limit) {
  rlimit current{};
  if (getrlimit(limit.resource, &current) != 0) {
    return fail_errno("getrlimit", rlimit_name(limit.resource));
  }
  if (limit.hard > current.rlim_max) {
    return fail(Error("--ulimit " + std::string(rlimit_name(limit.resource)) + ": hard limit " +
                          value_text(limit.hard) + " is above the current hard limit " +
                          value_text(current.rlim_max) +
                          ", which an unprivileged user cannot raise",
                      EPERM)
                    .with_hint("use a hard limit of at most " + value_text(current.rlim_max)));
  }
  return {};
}

int apply_rlimits(std::span<const Rlimit> limits) noexcept {
  for (const auto& limit : limits) {
    rlimit value{limit.soft, limit.hard};
    if (setrlimit(limit.resource, &value) != 0) return errno;
  }
  return 0;
}

}  // namespace sbx::security
