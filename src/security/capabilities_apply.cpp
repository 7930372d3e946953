// Applying a capability set in the container child (no allocation, errno out)
// and reading the capability lines of /proc/<pid>/status.
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "capabilities_internal.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/security/capabilities.hpp"

namespace sbx::security {
namespace {

struct CapData {
  __user_cap_data_struct words[_LINUX_CAPABILITY_U32S_3];
};

int cap_get(CapData& data) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return syscall(SYS_capget, &header, data.words) == 0 ? 0 : errno;
}

int cap_set(const CapData& data) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return syscall(SYS_capset, &header, data.words) == 0 ? 0 : errno;
}

uint64_t permitted_of(const CapData& data) noexcept {
  return data.words[0].permitted | (uint64_t{data.words[1].permitted} << 32);
}

CapData make_data(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept {
  CapData data{};
  for (int i = 0; i < 2; ++i) {
    data.words[i].effective = static_cast<uint32_t>(effective >> (32 * i));
    data.words[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
    data.words[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
  }
  return data;
}

// Drops every capability not in `keep` from the bounding set; needs
// CAP_SETPCAP in the effective set. EINVAL marks the end of the kernel's caps.
int drop_bounding(uint64_t keep) noexcept {
  for (int cap = 0; cap < 64; ++cap) {
    if ((keep >> cap) & 1u) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;
    return errno;
  }
  return 0;
}

}  // namespace

int raise_effective_caps() noexcept {
  CapData current{};
  if (int err = cap_get(current)) return err;
  for (auto& word : current.words) word.effective = word.permitted;
  return cap_set(current);
}

int apply_capabilities(const CapabilitySets& sets) noexcept {
  CapData current{};
  if (int err = cap_get(current)) return err;
  const uint64_t held = permitted_of(current);
  // Caps the process does not hold cannot be granted; asking is not an error
  // (e.g. a kernel newer than the set that was planned).
  const uint64_t bounding = sets.bounding.bits() & held;
  const uint64_t permitted = sets.permitted.bits() & held;
  const uint64_t effective = sets.effective.bits() & permitted;
  const uint64_t inheritable = sets.inheritable.bits() & bounding;
  // 1. effective = permitted, so CAP_SETPCAP is usable after a KEEPCAPS setresuid.
  if (int err = cap_set(make_data(held, held, 0))) return err;
  // 2. bounding set, while CAP_SETPCAP is still effective.
  if (int err = drop_bounding(bounding)) return err;
  // 3. the three sets of the capset call; an inheritable cap must stay in
  //    the bounding set.
  if (int err = cap_set(make_data(effective, permitted, inheritable))) return err;
  // 4. ambient: cleared (EINVAL: a kernel before 4.3 has none), then raised
  //    where asked, for caps both permitted and inheritable (the kernel's rule).
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return errno;
  }
  const uint64_t ambient = sets.ambient.bits() & permitted & inheritable;
  for (int cap = 0; cap < 64; ++cap)
    if (((ambient >> cap) & 1u) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      return errno;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return errno;
  return 0;
}

Result<ProcessSecurityStatus> parse_process_status(std::string_view status_text) {
  ProcessSecurityStatus status;
  int found = 0;
  for (const auto& line : split(status_text, '\n')) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string_view key = std::string_view(line).substr(0, colon);
    std::string value(trim(std::string_view(line).substr(colon + 1)));
    auto hex = [&] { return CapabilitySet(std::strtoull(value.c_str(), nullptr, 16)); };
    if (key == "CapInh") {
      status.inheritable = hex();
    } else if (key == "CapPrm") {
      status.permitted = hex();
    } else if (key == "CapEff") {
      status.effective = hex();
    } else if (key == "CapBnd") {
      status.bounding = hex();
    } else if (key == "CapAmb") {
      status.ambient = hex();
    } else if (key == "NoNewPrivs") {
      status.no_new_privs = value == "1";
    } else if (key == "Seccomp") {
      status.seccomp_mode = std::atoi(value.c_str());
    } else {
      continue;
    }
    ++found;
  }
  if (found < 4) return fail("process status: no capability lines", EINVAL);
  return status;
}

Result<ProcessSecurityStatus> read_process_status(const std::string& path) {
  std::string text = SBX_TRY(read_file(path));
  return with_context(parse_process_status(text), path);
}

}  // namespace sbx::security
