// Linux capabilities: the name table, docker's default set, --cap-add/--cap-drop
// resolution (planned in the parent) and applying a set in the container child.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::security {

// Highest capability number this build knows (CAP_CHECKPOINT_RESTORE).
inline constexpr int kMaxKnownCap = 40;

// A set of capabilities as a bit mask (bit N = capability N). A plain value:
// safe to copy into the child and to use there without allocating.
class CapabilitySet {
 public:
  constexpr CapabilitySet() = default;
  constexpr explicit CapabilitySet(uint64_t bits) : bits_(bits) {}

  // Every capability known to this build and to the running kernel
  // (/proc/sys/kernel/cap_last_cap): what --privileged gets.
  static CapabilitySet all();
  // docker's default: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
  // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
  static CapabilitySet docker_default();

  constexpr bool has(int cap) const { return cap >= 0 && cap < 64 && (bits_ >> cap) & 1u; }
  constexpr void add(int cap) {
    if (cap >= 0 && cap < 64) bits_ |= uint64_t{1} << cap;
  }
  constexpr void remove(int cap) {
    if (cap >= 0 && cap < 64) bits_ &= ~(uint64_t{1} << cap);
  }
  constexpr uint64_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }

  // "CAP_CHOWN", ... in number order (unknown bits as "CAP_<n>").
  std::vector<std::string> names() const;

  friend constexpr bool operator==(CapabilitySet, CapabilitySet) = default;

 private:
  uint64_t bits_ = 0;
};

// "CAP_SYS_ADMIN" for 21; nullopt for numbers this build does not know.
std::optional<std::string_view> capability_name(int cap);
// Accepts "CAP_SYS_ADMIN", "sys_admin", "Sys_Admin"; nullopt if unknown.
std::optional<int> capability_number(std::string_view name);
// Highest capability of the running kernel (/proc/sys/kernel/cap_last_cap),
// capped at kMaxKnownCap; kMaxKnownCap when the file cannot be read.
int kernel_last_cap();

// docker semantics: privileged = all caps of the kernel; "ALL" in add = all
// but the drops; "ALL" in drop = only the adds ("--cap-drop ALL --cap-add
// NET_RAW"); else docker's default minus drops plus adds. Names may carry the
// CAP_ prefix or not, any case. An unknown name is an error.
Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged);

// The five sets of a process, as the OCI runtime spec's process.capabilities
// gives them. from(): docker's rule for one set, bounding = effective =
// permitted = `caps`, inheritable and ambient empty, so a non-root user
// inside gets nothing after execve (and root gets exactly `caps`).
struct CapabilitySets {
  CapabilitySet bounding, effective, permitted, inheritable, ambient;
  static constexpr CapabilitySets from(CapabilitySet caps) { return {caps, caps, caps, {}, {}}; }
  friend constexpr bool operator==(const CapabilitySets&, const CapabilitySets&) = default;
};

// In the container child, after clone(); plain syscalls, no allocation.
// Sets the five sets (capabilities the process does not hold are left out:
// asking for them is not an error). Returns 0 or an errno.
//
// Order the child must use when switching to a non-root user:
//   prctl(PR_SET_KEEPCAPS, 1); setgroups(); setresgid(); setresuid();
//   apply_capabilities(caps);      // also clears KEEPCAPS
//   set_no_new_privs(); load_seccomp(program);  execve()
// apply_capabilities first re-raises the effective set from the permitted set
// kept by KEEPCAPS (to hold CAP_SETPCAP for the bounding drop), so it works
// both before and after setresuid.
int apply_capabilities(const CapabilitySets& sets) noexcept;

// The capability / no_new_privs / seccomp lines of /proc/<pid>/status, for
// tests and the posture check.
struct ProcessSecurityStatus {
  CapabilitySet inheritable, permitted, effective, bounding, ambient;
  bool no_new_privs = false;
  int seccomp_mode = 0;  // 0 off, 1 strict, 2 filter
};
Result<ProcessSecurityStatus> parse_process_status(std::string_view status_text);
Result<ProcessSecurityStatus> read_process_status(const std::string& path = "/proc/self/status");

}  // namespace sbx::security
