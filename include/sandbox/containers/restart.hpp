// Restart policies (`--restart`) without a daemon: the container's end is
// recorded by whoever watched it (the monitor's `container cleanup`, or a
// foreground run), which then asks restart_delay whether, and after how long,
// to start it again (docs/lifecycle.md). Pure parts here, unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::containers {

// docker's --restart no | on-failure[:N] | always | unless-stopped.
struct RestartPolicy {
  std::string name = "no";
  int max_retries = 0;  // on-failure:N (0: no limit)
  bool restarts() const { return name != "no"; }
  friend bool operator==(const RestartPolicy&, const RestartPolicy&) = default;
};

Result<RestartPolicy> parse_restart_policy(std::string_view text);
// "no", "on-failure:3", ... as --restart takes it.
std::string to_string(const RestartPolicy& policy);

// What the policy did so far (containers/<id>/restart.json).
struct RestartRecord {
  int count = 0;                 // restarts by the policy since the user's last start
  int64_t backoff_ms = 0;        // the last back-off waited (0: none yet)
  bool stopped_by_user = false;  // stop, kill or rm -f: the policy does not fire
  friend bool operator==(const RestartRecord&, const RestartRecord&) = default;
};

std::string restart_record_to_json(const RestartRecord& record);
Result<RestartRecord> restart_record_from_json(std::string_view text);

// docker's back-off: 100 ms, doubled for each restart, at most a minute, and
// back to 100 ms after a run of 10 s or more.
inline constexpr std::chrono::milliseconds kFirstRestartBackoff{100};
inline constexpr std::chrono::milliseconds kMaxRestartBackoff{60'000};
inline constexpr std::chrono::milliseconds kBackoffResetAfter{10'000};

// How long to wait before the policy starts the container again, which
// ended with `exit_code` after running for `ran_for`; nothing when it stays
// ended. Does not change `record` (the caller stores the new back-off).
std::optional<std::chrono::milliseconds> restart_delay(const RestartPolicy& policy,
                                                       const RestartRecord& record, int exit_code,
                                                       std::chrono::milliseconds ran_for);

}  // namespace sbx::containers
