// `sandbox system check` / `sandbox info`: every host fact that decides what
// works rootless, gathered from the modules that own them.
#pragma once

#include <filesystem>
#include <vector>

#include "sandbox/base/host_check.hpp"

namespace sbx::launch {

struct HostReport {
  std::vector<HostCheck> checks;
  // False when something every container needs is missing (not an optional feature).
  bool ready() const;
};

HostReport check_host(const std::filesystem::path& store_root);

}  // namespace sbx::launch
