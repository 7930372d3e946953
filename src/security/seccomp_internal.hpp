// Shared by the seccomp compiler and its cache.
#pragma once

#include <cstdint>
#include <string>

#include "sandbox/security/seccomp.hpp"

namespace sbx::security {

// SECCOMP_FILTER_FLAG_* for the profile's "flags" (TSYNC always).
Result<unsigned> seccomp_filter_flags(const SeccompProfile& profile);

// What seccomp_arch_native() returns, without loading libseccomp where the
// build target tells (seccomp_cache.cpp): a process can only load a libseccomp
// built for its own ABI, and that is the architecture the library calls native.
uint32_t native_seccomp_arch();

// The path of the libseccomp the process loaded (loading it), "" if unknown
// (seccomp_lazy.cpp).
std::string libseccomp_file();

}  // namespace sbx::security
