// The security plan: flags -> capabilities, rlimits and a compiled seccomp
// program in the parent; the fixed order of the child's final steps.
#include "sandbox/security/policy.hpp"

#include "capabilities_internal.hpp"

#include <algorithm>

namespace sbx::security {
namespace {

Result<bool> parse_bool(std::string_view key, std::string_view value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return fail("--security-opt " + std::string(key) + ": expected true or false, got \"" +
                  std::string(value) + "\"",
              EINVAL);
}

Status unsupported(std::string_view opt, std::string_view why) {
  return fail("--security-opt " + std::string(opt) + ": " + std::string(why), EINVAL);
}

}  // namespace

Status apply_security_opt(SecurityOptions& options, std::string_view opt) {
  // docker accepts both "key=value" and the old "key:value".
  auto sep = opt.find_first_of("=:");
  std::string_view key = opt.substr(0, sep);
  std::string_view value = sep == std::string_view::npos ? "" : opt.substr(sep + 1);
  if (key == "no-new-privileges") {
    options.no_new_privileges = value.empty() ? true : SBX_TRY(parse_bool(key, value));
    return {};
  }
  if (key == "seccomp") {
    if (value.empty()) return unsupported(opt, "expected seccomp=PROFILE.json or unconfined");
    options.seccomp = std::string(value);
    return {};
  }
  // Relaxing a confinement sandbox does not apply anyway is a no-op; asking
  // for one it cannot apply is an error rather than a silent downgrade.
  if (key == "apparmor") {
    if (value == "unconfined") return {};
    return unsupported(opt, "AppArmor profiles are not applied by rootless sandbox");
  }
  if (key == "label") {
    if (value == "disable") return {};
    return unsupported(opt, "SELinux labels are not applied by rootless sandbox");
  }
  return unsupported(opt, "unknown option (known: seccomp, no-new-privileges)");
}

Result<SecurityPlan> make_security_plan(const SecurityOptions& options) {
  SecurityPlan plan;
  plan.capabilities =
      SBX_TRY(resolve_capabilities(options.cap_add, options.cap_drop, options.privileged));
  plan.no_new_privileges = options.no_new_privileges;
  for (const auto& text : options.ulimits) {
    Rlimit limit = SBX_TRY(parse_ulimit(text));
    SBX_TRY(check_rlimit_allowed(limit));
    // A later --ulimit for the same resource replaces the earlier one.
    std::erase_if(plan.rlimits, [&](const Rlimit& r) { return r.resource == limit.resource; });
    plan.rlimits.push_back(limit);
  }
  if (options.privileged || options.seccomp == "unconfined") return plan;
  auto compile = [&](const SeccompProfile& profile) {
    return options.seccomp_cache_dir.empty()
               ? compile_seccomp(profile, plan.capabilities)
               : compile_seccomp_cached(profile, plan.capabilities, options.seccomp_cache_dir);
  };
  if (options.seccomp.empty() || options.seccomp == "builtin") {
    plan.seccomp = SBX_TRY(compile(default_seccomp_profile()));
  } else {
    SeccompProfile profile = SBX_TRY(read_seccomp_profile(options.seccomp));
    plan.seccomp = SBX_TRY_CTX(compile(profile), options.seccomp);
  }
  return plan;
}

namespace {

class KernelSecurityCalls final : public SecurityCalls {
 public:
  int apply_rlimits(std::span<const Rlimit> limits) noexcept override {
    return security::apply_rlimits(limits);
  }
  int raise_effective_caps() noexcept override { return security::raise_effective_caps(); }
  int load_seccomp(const SeccompProgram& program) noexcept override {
    return security::load_seccomp(program);
  }
  int apply_capabilities(const CapabilitySets& sets) noexcept override {
    return security::apply_capabilities(sets);
  }
  int set_no_new_privs() noexcept override { return security::set_no_new_privs(); }
};

}  // namespace

SecurityCalls& kernel_security_calls() noexcept {
  static KernelSecurityCalls calls;  // no state: constant-initialized, safe after clone()
  return calls;
}

int apply_security_plan(const SecurityPlan& plan, const char** failed_step) noexcept {
  return apply_security_plan(plan, kernel_security_calls(), failed_step);
}

int apply_security_plan(const SecurityPlan& plan, SecurityCalls& calls,
                        const char** failed_step) noexcept {
  const char* unused = nullptr;
  const char*& step = failed_step ? *failed_step : unused;
  step = "setrlimit";
  if (int err = calls.apply_rlimits(plan.rlimits)) return err;
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN (of the user
  // namespace) in the effective set, so it happens before the capabilities
  // are cut, with the effective set raised again after a KEEPCAPS setresuid.
  const bool seccomp_early = plan.seccomp && !plan.no_new_privileges;
  step = "seccomp";
  if (seccomp_early) {
    if (int err = calls.raise_effective_caps()) return err;
    if (int err = calls.load_seccomp(*plan.seccomp)) return err;
  }
  step = "capabilities";
  if (int err = calls.apply_capabilities(
          plan.capability_sets.value_or(CapabilitySets::from(plan.capabilities))))
    return err;
  step = "no_new_privs";
  if (plan.no_new_privileges) {
    if (int err = calls.set_no_new_privs()) return err;
  }
  step = "seccomp";
  if (plan.seccomp && !seccomp_early) {
    if (int err = calls.load_seccomp(*plan.seccomp)) return err;
  }
  step = nullptr;
  return 0;
}

}  // namespace sbx::security
