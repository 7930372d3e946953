// Capability names, docker's default set and --cap-add/--cap-drop resolution.
#include "sandbox/security/capabilities.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace sbx::security {
namespace {

// Index = capability number, as in <linux/capability.h>.
constexpr std::array<std::string_view, kMaxKnownCap + 1> kCapNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
static_assert(CAP_LAST_CAP <= kMaxKnownCap, "kernel headers know capabilities we do not name");
static_assert(CAP_CHECKPOINT_RESTORE == 40 && CAP_SETFCAP == 31 && CAP_SYS_ADMIN == 21);

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_all(std::string_view name) { return upper(name) == "ALL" || upper(name) == "CAP_ALL"; }

}  // namespace

std::optional<std::string_view> capability_name(int cap) {
  if (cap < 0 || cap > kMaxKnownCap) return std::nullopt;
  return kCapNames[static_cast<size_t>(cap)];
}

std::optional<int> capability_number(std::string_view name) {
  std::string wanted = upper(name);
  if (!wanted.starts_with("CAP_")) wanted.insert(0, "CAP_");
  for (size_t i = 0; i < kCapNames.size(); ++i) {
    if (kCapNames[i] == wanted) return static_cast<int>(i);
  }
  return std::nullopt;
}

int kernel_last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = -1;
  if (!(in >> last) || last < 0) return kMaxKnownCap;
  return std::min(last, kMaxKnownCap);
}

CapabilitySet CapabilitySet::all() {
  int last = kernel_last_cap();
  return CapabilitySet(last >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last + 1)) - 1);
}

CapabilitySet CapabilitySet::docker_default() {
  CapabilitySet set;
  for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
                  CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT,
                  CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP}) {
    set.add(cap);
  }
  return set;
}

std::vector<std::string> CapabilitySet::names() const {
  std::vector<std::string> out;
  for (int cap = 0; cap < 64; ++cap) {
    if (!has(cap)) continue;
    auto name = capability_name(cap);
    out.push_back(name ? std::string(*name) : "CAP_" + std::to_string(cap));
  }
  return out;
}

namespace {

struct CapList {
  CapabilitySet caps;
  bool all = false;
};

Result<CapList> parse_cap_list(const std::vector<std::string>& names, std::string_view flag) {
  CapList out;
  for (const auto& name : names) {
    if (is_all(name)) {
      out.all = true;
      continue;
    }
    auto cap = capability_number(name);
    if (!cap) return fail(std::string(flag) + ": unknown capability \"" + name + "\"", EINVAL);
    out.caps.add(*cap);
  }
  return out;
}

}  // namespace

// As docker's TweakCapabilities: privileged = all; add ALL = all but the drops;
// drop ALL = only the adds; else default - drops + adds.
Result<CapabilitySet> resolve_capabilities(const std::vector<std::string>& add,
                                           const std::vector<std::string>& drop, bool privileged) {
  const uint64_t everything = CapabilitySet::all().bits();
  // Names are checked even when --privileged makes them moot: a typo is a typo.
  CapList adds = SBX_TRY(parse_cap_list(add, "--cap-add"));
  CapList drops = SBX_TRY(parse_cap_list(drop, "--cap-drop"));
  uint64_t bits = 0;
  if (privileged) {
    bits = everything;
  } else if (adds.all) {
    bits = everything & ~drops.caps.bits();
  } else if (drops.all) {
    bits = adds.caps.bits();
  } else {
    bits = (CapabilitySet::docker_default().bits() & ~drops.caps.bits()) | adds.caps.bits();
  }
  // Capabilities the running kernel lacks cannot be granted.
  return CapabilitySet(bits & everything);
}

}  // namespace sbx::security
