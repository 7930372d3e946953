// The security part of a launch plan: made from flags in the parent, carried
// out in the child (see capabilities.hpp for the order of the child's steps).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/security/capabilities.hpp"
#include "sandbox/security/rlimits.hpp"
#include "sandbox/security/seccomp.hpp"

namespace sbx::security {

struct SecurityOptions {
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  // "" or "builtin" = built-in default profile, "unconfined" = none, else a
  // path to a JSON profile in docker's format.
  std::string seccomp;
  bool no_new_privileges = true;
  std::vector<std::string> ulimits;  // "nofile=1024:2048"
  // Where compiled seccomp programs are cached (e.g. <store>/cache/seccomp);
  // empty = compile every time.
  std::filesystem::path seccomp_cache_dir;
};

// One `--security-opt` value: "seccomp=PATH|unconfined", "no-new-privileges",
// "no-new-privileges=true|false" (also the old ':' form). "label=..." and
// "apparmor=..." are errors (not supported rootless), as are unknown keys.
Status apply_security_opt(SecurityOptions& options, std::string_view opt);

struct SecurityPlan {
  CapabilitySet capabilities;
  // OCI: the five sets exactly as config.json gives them; else
  // CapabilitySets::from(capabilities).
  std::optional<CapabilitySets> capability_sets;
  std::optional<SeccompProgram> seccomp;  // nullopt: unconfined / privileged
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = true;
};

// Resolves caps, parses ulimits (checking they can be set unprivileged), reads
// and compiles the seccomp profile. --privileged: all capabilities, no seccomp.
Result<SecurityPlan> make_security_plan(const SecurityOptions& options);

// The child's last steps before execve, after the user switch. The child's
// order (after pivot_root, masked paths and hostname):
//   1. prctl(PR_SET_KEEPCAPS, 1)              only when the user is not root
//   2. setgroups(); setresgid(); setresuid()  the container user
//   3. apply_security_plan(plan, &step)       rlimits, caps, no_new_privs, seccomp
//   4. execve()                               the filter allows it
// Seccomp comes last so the filter never has to allow the setup syscalls.
// This does: rlimits, capabilities (KEEPCAPS cleared), no_new_privs,
// seccomp. Without no_new_privs the seccomp filter is loaded before the
// capabilities are cut (loading then needs CAP_SYS_ADMIN, as in runc).
// Returns 0 or an errno; *failed_step (if not null) names the failing step
// ("setrlimit", "capabilities", "no_new_privs", "seccomp").
int apply_security_plan(const SecurityPlan& plan, const char** failed_step) noexcept;

// The kernel calls apply_security_plan makes, behind one interface so unit
// tests can check their order with a recording fake. Each returns 0 or an
// errno value, never allocates and never throws.
class SecurityCalls {
 public:
  virtual int apply_rlimits(std::span<const Rlimit> limits) noexcept = 0;
  virtual int raise_effective_caps() noexcept = 0;
  virtual int load_seccomp(const SeccompProgram& program) noexcept = 0;
  virtual int apply_capabilities(const CapabilitySets& sets) noexcept = 0;
  virtual int set_no_new_privs() noexcept = 0;

 protected:
  ~SecurityCalls() = default;
};

// The real calls (a stateless object: usable after clone()).
SecurityCalls& kernel_security_calls() noexcept;

// apply_security_plan through `calls`.
int apply_security_plan(const SecurityPlan& plan, SecurityCalls& calls,
                        const char** failed_step) noexcept;

}  // namespace sbx::security
