// Shared by the seccomp compiler and its cache.
#pragma once

#include "sandbox/security/seccomp.hpp"

namespace sbx::security {

// SECCOMP_FILTER_FLAG_* for the profile's "flags" (TSYNC always).
Result<unsigned> seccomp_filter_flags(const SeccompProfile& profile);

}  // namespace sbx::security
