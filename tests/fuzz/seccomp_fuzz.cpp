// `--security-opt seccomp=PROFILE.json`: docker's profile format. A profile
// that parses must print back to the same profile, and compile to BPF (with
// libseccomp, loaded on first use) or fail with an error.
#include <linux/filter.h>

#include "fuzz_support.hpp"
#include "sandbox/security/seccomp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sbx::security;
  auto profile = parse_seccomp_profile(sbx::fuzz::as_text(data, size));
  if (!profile) return 0;
  auto reparsed = parse_seccomp_profile(seccomp_profile_to_json(*profile));
  SBX_FUZZ_CHECK(reparsed && *reparsed == *profile);
  auto program = compile_seccomp(*profile, CapabilitySet::docker_default());
  if (program) {
    SBX_FUZZ_CHECK(!program->filter.empty() && program->filter.size() <= BPF_MAXINSNS);
  }
  return 0;
}
