// Health probes every interval while a container runs: the monitor does it
// for a detached container (by the argv below), a foreground run through
// ForegroundHealthChecks, a child of its own. Each probe is
// `sandbox --root R healthcheck run ID` (healthcheck.cpp), one at a time.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/health.hpp"

namespace sbx::launch::detail {

// `sandbox --root R healthcheck run ID` (argv[0] is only a name).
std::vector<std::string> health_probe_argv(const std::filesystem::path& store_root,
                                           const std::string& id);

// A child in a process group of its own that runs the probes; the
// destructor kills the group (a probe in flight too) and reaps the child,
// before the run records the container's end.
class ForegroundHealthChecks {
 public:
  ForegroundHealthChecks() = default;
  // Nothing runs when the spec has no health check.
  static Result<ForegroundHealthChecks> start(const std::filesystem::path& store_root,
                                              const std::string& id,
                                              const containers::HealthConfig& config);
  ForegroundHealthChecks(ForegroundHealthChecks&& other) noexcept;
  ForegroundHealthChecks& operator=(ForegroundHealthChecks&& other) noexcept;
  ForegroundHealthChecks(const ForegroundHealthChecks&) = delete;
  ForegroundHealthChecks& operator=(const ForegroundHealthChecks&) = delete;
  ~ForegroundHealthChecks() { stop(); }
  void stop();

 private:
  pid_t pid_ = -1;
};

}  // namespace sbx::launch::detail
