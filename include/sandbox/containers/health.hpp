// Health checks (`--health-*`, the image's HEALTHCHECK): the configuration,
// the state `healthcheck run` keeps in the runtime dir (health.json), and
// docker's rules for folding one probe into it. Pure, unit-tested; the probe
// itself is an exec (launch/healthcheck.hpp), run by the monitor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::containers {

// docker's Healthcheck object; durations in nanoseconds, 0 = the default.
struct HealthConfig {
  // {} none given; {"NONE"} disabled; {"CMD", ARG...}; {"CMD-SHELL", COMMAND}.
  std::vector<std::string> test;
  int64_t interval_ns = 0;      // default 30 s
  int64_t timeout_ns = 0;       // default 30 s
  int64_t start_period_ns = 0;  // default 0
  int retries = 0;              // default 3
  friend bool operator==(const HealthConfig&, const HealthConfig&) = default;
};

inline constexpr int64_t kDefaultHealthIntervalNs = 30'000'000'000;
inline constexpr int64_t kDefaultHealthTimeoutNs = 30'000'000'000;
inline constexpr int kDefaultHealthRetries = 3;

bool has_healthcheck(const HealthConfig& config);
int64_t health_interval_ns(const HealthConfig& config);
int64_t health_timeout_ns(const HealthConfig& config);
int health_retries(const HealthConfig& config);
// The command to exec: CMD's arguments, or /bin/sh -c for CMD-SHELL.
std::vector<std::string> health_command(const HealthConfig& config);

// The run flags, as typed.
struct HealthFlags {
  std::optional<std::string> cmd;  // a shell command, or a JSON array (podman: ["CMD", ...])
  std::string interval, timeout, start_period;  // Go durations: 30s, 1m30s, 500ms
  std::optional<int> retries;
  bool none = false;  // --no-healthcheck
};

// The image's Healthcheck (from its config's JSON, "config" object), then
// the flags over it; errors name the flag.
Result<HealthConfig> make_health_config(const HealthConfig& image, const HealthFlags& flags);
// The "Healthcheck" of an image config document; {} when it has none.
HealthConfig image_health_config(std::string_view config_json);
// Go's time.ParseDuration for what users type: "30s", "1m30s", "500ms", "2h".
Result<int64_t> parse_duration_ns(std::string_view text);

// One probe, as docker's State.Health.Log keeps it.
struct HealthProbe {
  std::string start, end;  // RFC 3339, UTC
  int exit_code = 0;       // 0 healthy, else unhealthy (timeout: -1)
  std::string output;      // at most kHealthOutputMax bytes
  friend bool operator==(const HealthProbe&, const HealthProbe&) = default;
};

inline constexpr size_t kHealthOutputMax = 4096;
inline constexpr size_t kHealthLogMax = 5;

// State.Health: "starting", "healthy" or "unhealthy".
struct HealthState {
  std::string status = "starting";
  int failing_streak = 0;
  std::vector<HealthProbe> log;  // the last kHealthLogMax
  friend bool operator==(const HealthState&, const HealthState&) = default;
};

// docker's rules: a success makes it healthy; failures count towards
// `retries` (then unhealthy), except while still starting in the start period.
void record_probe(HealthState& state, const HealthConfig& config, HealthProbe probe,
                  bool in_start_period);

std::string health_state_to_json(const HealthState& state);
Result<HealthState> health_state_from_json(std::string_view text);

}  // namespace sbx::containers
