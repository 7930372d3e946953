// Temporary stubs so the runtime can link against the header; replaced below.
#include <cerrno>

#include "sandbox/security/policy.hpp"

namespace sbx::security {

int apply_capabilities(const CapabilitySet&) noexcept { return ENOSYS; }
Result<ProcessSecurityStatus> parse_process_status(std::string_view) {
  return fail("not implemented", ENOSYS);
}
Result<ProcessSecurityStatus> read_process_status(const std::string&) {
  return fail("not implemented", ENOSYS);
}
const SeccompProfile& default_seccomp_profile() {
  static const SeccompProfile profile;
  return profile;
}
Result<SeccompProfile> parse_seccomp_profile(std::string_view) {
  return fail("not implemented", ENOSYS);
}
Result<SeccompProfile> read_seccomp_profile(const std::string&) {
  return fail("not implemented", ENOSYS);
}
std::string seccomp_profile_to_json(const SeccompProfile&) { return "{}"; }
Result<SeccompProgram> compile_seccomp(const SeccompProfile&, const CapabilitySet&) {
  return fail("not implemented", ENOSYS);
}
int load_seccomp(const SeccompProgram&) noexcept { return ENOSYS; }
int set_no_new_privs() noexcept { return ENOSYS; }
Result<Rlimit> parse_ulimit(std::string_view) { return fail("not implemented", ENOSYS); }
std::string_view rlimit_name(int) { return ""; }
Status check_rlimit_allowed(const Rlimit&) { return {}; }
int apply_rlimits(std::span<const Rlimit>) noexcept { return ENOSYS; }
Status apply_security_opt(SecurityOptions&, std::string_view) { return {}; }
Result<SecurityPlan> make_security_plan(const SecurityOptions&) {
  return fail("not implemented", ENOSYS);
}
int apply_security_plan(const SecurityPlan&, const char**) noexcept { return ENOSYS; }

}  // namespace sbx::security
