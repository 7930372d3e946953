// An embedded static helper (helpers/init, helpers/monitor) in a sealed,
// executable memfd: run with execveat/fexecve, nothing can rewrite it, and no
// host binary is reachable through /proc/<pid>/exe.
#pragma once

#include <span>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::launch::detail {

// `memfd_name` is what ps shows (memfd:<name>); `what` names the helper in
// errors ("sandbox-<what>", "<what> memfd").
Result<UniqueFd> make_sealed_memfd(const char* memfd_name, std::string_view what,
                                   std::span<const char> bytes);

}  // namespace sbx::launch::detail
