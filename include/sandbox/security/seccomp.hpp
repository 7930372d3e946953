// Seccomp: docker's profile format (model + JSON parser), the built-in default
// profile, compilation to classic BPF in the parent (libseccomp, private) and
// loading that BPF in the child with plain syscalls.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/security/capabilities.hpp"

namespace sbx::security {

enum class SeccompAction {
  kKillThread,   // SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD
  kKillProcess,  // SCMP_ACT_KILL_PROCESS
  kTrap,         // SCMP_ACT_TRAP
  kErrno,        // SCMP_ACT_ERRNO (errnoRet, EPERM when absent)
  kTrace,        // SCMP_ACT_TRACE (errnoRet is the trace message)
  kAllow,        // SCMP_ACT_ALLOW
  kLog,          // SCMP_ACT_LOG
  kNotify,       // SCMP_ACT_NOTIFY (parsed; compiling it is an error: no listener)
};

enum class SeccompOp {
  kNotEqual,      // SCMP_CMP_NE
  kLessThan,      // SCMP_CMP_LT
  kLessEqual,     // SCMP_CMP_LE
  kEqualTo,       // SCMP_CMP_EQ
  kGreaterEqual,  // SCMP_CMP_GE
  kGreaterThan,   // SCMP_CMP_GT
  kMaskedEqual,   // SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo
};

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  SeccompOp op = SeccompOp::kEqualTo;
  friend bool operator==(const SeccompArg&, const SeccompArg&) = default;
};

// includes: the rule applies only if ALL caps are held, the arch is listed and
// the kernel is at least min_kernel. excludes: skipped if ANY cap is held or
// the arch is listed. Arches use docker's names ("amd64", "x32", "arm64"...).
struct SeccompFilter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::string min_kernel;  // "4.8"; empty = any
  friend bool operator==(const SeccompFilter&, const SeccompFilter&) = default;
};

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::kAllow;
  std::optional<int> errno_ret;
  std::vector<SeccompArg> args;
  SeccompFilter includes;
  SeccompFilter excludes;
  std::string comment;
  friend bool operator==(const SeccompRule&, const SeccompRule&) = default;
};

struct SeccompArchMap {
  std::string architecture;  // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;
  friend bool operator==(const SeccompArchMap&, const SeccompArchMap&) = default;
};

struct SeccompProfile {
  SeccompAction default_action = SeccompAction::kErrno;
  std::optional<int> default_errno_ret;
  std::vector<std::string> architectures;  // old form; archMap preferred
  std::vector<SeccompArchMap> arch_map;
  std::vector<SeccompRule> syscalls;
  // "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW" (others: error
  // when compiling).
  std::vector<std::string> flags;
  friend bool operator==(const SeccompProfile&, const SeccompProfile&) = default;
};

// The built-in default, with the semantics of docker's default profile.
const SeccompProfile& default_seccomp_profile();

// docker's JSON format (`--security-opt seccomp=PROFILE.json`). Also accepts
// the old single "name" field per rule. Errors name the bad field.
Result<SeccompProfile> parse_seccomp_profile(std::string_view json_text);
Result<SeccompProfile> read_seccomp_profile(const std::string& path);
// The same format back (e.g. to show the effective profile).
std::string seccomp_profile_to_json(const SeccompProfile& profile);

// SECCOMP_FILTER_FLAG_TSYNC: every thread gets the filter (the child has one).
inline constexpr unsigned kSeccompDefaultFlags = 1;

// A finished classic-BPF program: plain data, loadable without libseccomp.
struct SeccompProgram {
  std::vector<sock_filter> filter;
  // SECCOMP_FILTER_FLAG_* for seccomp(2).
  unsigned flags = kSeccompDefaultFlags;
};

// Rules are resolved against `caps` (the container's set) and the native
// architecture; syscall names unknown on this architecture are skipped, as
// docker does. Uses libseccomp and exports the BPF.
Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, const CapabilitySet& caps);

// compile_seccomp with the BPF kept in `cache_dir` (libseccomp takes tens of
// ms for the default profile; a cached program loads in well under one). The
// key covers the profile, the caps, the architecture, the kernel release and
// the libseccomp version. A cache that cannot be read or written is ignored.
Result<SeccompProgram> compile_seccomp_cached(const SeccompProfile& profile,
                                              const CapabilitySet& caps,
                                              const std::filesystem::path& cache_dir);

// In the child: seccomp(SECCOMP_SET_MODE_FILTER, flags, prog), falling back to
// prctl(PR_SET_SECCOMP) where seccomp(2) is missing. Needs no_new_privs (or
// CAP_SYS_ADMIN in the user namespace). Call last, just before execve.
// Returns 0 or an errno. An empty program is a no-op.
int load_seccomp(const SeccompProgram& program) noexcept;

// prctl(PR_SET_NO_NEW_PRIVS, 1). Returns 0 or an errno.
int set_no_new_privs() noexcept;

}  // namespace sbx::security
