// --restart: parsing, docker's back-off, and the record of what the policy
// did (containers/<id>/restart.json, written under the container's lock).
#include "sandbox/containers/restart.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

constexpr const char* kRestartFile = "restart.json";

Error bad_policy(std::string_view text, const std::string& why) {
  return Error("invalid --restart '" + std::string(text) + "': " + why, EINVAL)
      .with_hint("use no, on-failure[:MAX-RETRIES], always or unless-stopped");
}

}  // namespace

Result<RestartPolicy> parse_restart_policy(std::string_view text) {
  RestartPolicy policy;
  size_t colon = text.find(':');
  policy.name = std::string(text.substr(0, colon));
  if (policy.name.empty()) policy.name = "no";
  if (policy.name != "no" && policy.name != "on-failure" && policy.name != "always" &&
      policy.name != "unless-stopped")
    return fail(bad_policy(text, "unknown policy"));
  if (colon == std::string_view::npos) return policy;
  if (policy.name != "on-failure")
    return fail(bad_policy(text, "only on-failure takes a maximum retry count"));
  std::string_view count = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), policy.max_retries);
  if (count.empty() || ec != std::errc() || end != count.data() + count.size() ||
      policy.max_retries < 0)
    return fail(bad_policy(text, "the maximum retry count is not a number of 0 or more"));
  return policy;
}

std::string to_string(const RestartPolicy& policy) {
  if (policy.name == "on-failure" && policy.max_retries > 0)
    return policy.name + ":" + std::to_string(policy.max_retries);
  return policy.name;
}

std::string restart_record_to_json(const RestartRecord& record) {
  return nlohmann::json{{"count", record.count},
                        {"backoff_ms", record.backoff_ms},
                        {"stopped_by_user", record.stopped_by_user}}
             .dump(2) +
         "\n";
}

Result<RestartRecord> restart_record_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("restart.json: not a JSON object");
  RestartRecord record;
  try {
    record.count = j.value("count", 0);
    record.backoff_ms = j.value("backoff_ms", int64_t{0});
    record.stopped_by_user = j.value("stopped_by_user", false);
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("restart.json: ") + e.what());
  }
  return record;
}

std::optional<std::chrono::milliseconds> restart_delay(const RestartPolicy& policy,
                                                       const RestartRecord& record, int exit_code,
                                                       std::chrono::milliseconds ran_for) {
  if (!policy.restarts() || record.stopped_by_user) return std::nullopt;
  if (policy.name == "on-failure") {
    if (exit_code == 0) return std::nullopt;
    if (policy.max_retries > 0 && record.count >= policy.max_retries) return std::nullopt;
  }
  if (record.backoff_ms <= 0 || ran_for >= kBackoffResetAfter) return kFirstRestartBackoff;
  return std::min(std::chrono::milliseconds(record.backoff_ms) * 2, kMaxRestartBackoff);
}

// --restart and the health check into `spec` (make_container_spec).
Status apply_lifecycle_options(const ImageDefaults& image, const RunFlags& flags,
                               ContainerSpec& spec) {
  if (!flags.restart.empty()) spec.restart = SBX_TRY(parse_restart_policy(flags.restart));
  if (spec.restart.restarts() && flags.rm)
    return fail(Error("conflicting options: --restart and --rm", EINVAL)
                    .with_hint("a container removed at its end cannot be restarted: drop one"));
  spec.health = SBX_TRY(make_health_config(image.healthcheck, flags.health));
  return {};
}

Result<RestartRecord> read_restart_record(const Containers& containers, const std::string& id) {
  auto text = read_file(containers.store_dir(id) / kRestartFile);
  if (!text) {
    if (text.error().errno_value() == ENOENT) return RestartRecord{};
    return fail(std::move(text).error());
  }
  return restart_record_from_json(*text);
}

Status write_restart_record(const Containers& containers, const std::string& id,
                            const RestartRecord& record) {
  return write_file_atomic(containers.store_dir(id) / kRestartFile, restart_record_to_json(record),
                           0600, Durability::kVolatile);
}

Status mark_stopped_by_user(const Containers& containers, const std::string& id,
                            const ContainerSpec& spec) {
  if (!spec.restart.restarts()) return {};  // nothing to stop: no file for it
  auto record = SBX_TRY(read_restart_record(containers, id));
  if (record.stopped_by_user) return {};
  record.stopped_by_user = true;
  SBX_TRY(write_restart_record(containers, id, record));
  end_pending_restart(containers, id);
  return {};
}

namespace {

constexpr const char* kPendingFile = "restarting";

// The process waiting out a back-off: "PID START-TIME" in the runtime dir.
std::optional<std::pair<pid_t, uint64_t>> pending_restarter(const std::filesystem::path& dir) {
  auto text = read_file(dir / kPendingFile);
  if (!text) return std::nullopt;
  long long pid = 0;
  unsigned long long start = 0;
  if (std::sscanf(text->c_str(), "%lld %llu", &pid, &start) != 2 || pid <= 0) return std::nullopt;
  return std::pair{static_cast<pid_t>(pid), static_cast<uint64_t>(start)};
}

}  // namespace

Status record_pending_restart(const Containers& containers, const std::string& id) {
  SBX_TRY(make_dirs(containers.runtime_dir(id), 0700));
  pid_t self = ::getpid();
  return write_file_atomic(
      containers.runtime_dir(id) / kPendingFile,
      std::to_string(self) + " " + std::to_string(process_start_time(self)) + "\n", 0600,
      Durability::kVolatile);
}

void forget_pending_restart(const Containers& containers, const std::string& id) {
  ::unlink((containers.runtime_dir(id) / kPendingFile).c_str());
}

void end_pending_restart(const Containers& containers, const std::string& id) {
  if (auto pending = pending_restarter(containers.runtime_dir(id)))
    if (process_alive(pending->first, pending->second)) ::kill(pending->first, SIGTERM);
  forget_pending_restart(containers, id);
}

bool restart_pending(const std::filesystem::path& runtime_dir) {
  auto pending = pending_restarter(runtime_dir);
  return pending && process_alive(pending->first, pending->second);
}

}  // namespace sbx::containers
