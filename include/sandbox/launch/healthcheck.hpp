// `sandbox healthcheck run C`: one probe of a running container's health
// check, an exec of its command (timeout: SIGTERM, then SIGKILL), folded into
// its health.json by docker's rules. The monitor runs it every interval.
#pragma once

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/health.hpp"

namespace sbx::launch {

// The probe's result and the container's health after it. An Error when
// sandbox failed (no such container, not running, no health check).
Result<containers::HealthState> run_healthcheck(const std::filesystem::path& store_root,
                                                const std::string& container);

}  // namespace sbx::launch
