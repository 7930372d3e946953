// SeccompProfile -> classic BPF with libseccomp, in the parent. The child
// only loads the exported instructions (seccomp_load.cpp).
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <memory>
#include <set>

#include "sandbox/base/unique_fd.hpp"
#include "seccomp_internal.hpp"

namespace sbx::security {
namespace {

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterCtx = std::unique_ptr<void, CtxRelease>;

Error scmp_error(std::string_view what, int rc) { return Error::from_errno(what, -rc); }

// docker matches includes/excludes "arches" against Go's GOARCH; accept those
// names and libseccomp's for the native architecture.
std::vector<std::string> native_arch_names() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return {"amd64", "x86_64"};
    case SCMP_ARCH_X86:
      return {"386", "x86", "i386"};
    case SCMP_ARCH_X32:
      return {"x32"};
    case SCMP_ARCH_AARCH64:
      return {"arm64", "aarch64"};
    case SCMP_ARCH_ARM:
      return {"arm"};
    case SCMP_ARCH_PPC64LE:
      return {"ppc64le"};
    case SCMP_ARCH_S390X:
      return {"s390x"};
    case SCMP_ARCH_S390:
      return {"s390"};
    case SCMP_ARCH_RISCV64:
      return {"riscv64"};
    default:
      return {};
  }
}

// "SCMP_ARCH_X86_64" -> the libseccomp token; 0 if unknown.
uint32_t arch_token(std::string_view docker_name) {
  std::string name(docker_name);
  if (name.starts_with("SCMP_ARCH_")) name.erase(0, 10);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return seccomp_arch_resolve_name(name.c_str());
}

// The number `text` starts with (0 if none), capped at `max`; `text` moves past it.
uint32_t leading_number(std::string_view& text, uint32_t max) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) value = max;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return std::min(value, max);
}

// Kernel "major.minor" as major * 1000 + minor ("6.18.44-x" -> 6018). A
// profile's minKernel may hold any digits: capped, they cannot overflow.
int version_number(std::string_view text) {
  uint32_t major = leading_number(text, 999999);
  uint32_t minor = 0;
  if (text.starts_with('.')) {
    text.remove_prefix(1);
    minor = leading_number(text, 999);
  }
  return static_cast<int>(major * 1000 + minor);
}

int running_kernel_version() {
  utsname uts{};
  if (uname(&uts) != 0) return 0;
  return version_number(uts.release);
}

struct Target {
  CapabilitySet caps;
  std::vector<std::string> arch_names;
  int kernel = 0;
};

bool holds(const Target& target, const std::string& cap_name) {
  auto cap = capability_number(cap_name);
  return cap && target.caps.has(*cap);
}

bool on_arch(const Target& target, const std::vector<std::string>& arches) {
  return std::any_of(arches.begin(), arches.end(), [&](const std::string& arch) {
    return std::find(target.arch_names.begin(), target.arch_names.end(), arch) !=
           target.arch_names.end();
  });
}

// includes: all caps held, arch listed, kernel new enough; excludes: no cap
// held, arch not listed (as moby's setupSeccomp decides).
bool rule_applies(const SeccompRule& rule, const Target& target) {
  const auto& inc = rule.includes;
  const auto& exc = rule.excludes;
  for (const auto& cap : inc.caps) {
    if (!holds(target, cap)) return false;
  }
  if (!inc.arches.empty() && !on_arch(target, inc.arches)) return false;
  if (!inc.min_kernel.empty() && target.kernel < version_number(inc.min_kernel)) return false;
  for (const auto& cap : exc.caps) {
    if (holds(target, cap)) return false;
  }
  if (!exc.arches.empty() && on_arch(target, exc.arches)) return false;
  return true;
}

Result<uint32_t> scmp_action(SeccompAction action, std::optional<int> errno_ret) {
  switch (action) {
    case SeccompAction::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap:
      return SCMP_ACT_TRAP;
    case SeccompAction::kErrno:
      return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret.value_or(EPERM)));
    case SeccompAction::kTrace:
      return SCMP_ACT_TRACE(static_cast<uint16_t>(errno_ret.value_or(EPERM)));
    case SeccompAction::kAllow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::kLog:
      return SCMP_ACT_LOG;
    case SeccompAction::kNotify:
      return fail("SCMP_ACT_NOTIFY needs a seccomp listener, which sandbox does not provide",
                  EINVAL);
  }
  return fail("unknown seccomp action", EINVAL);
}

scmp_compare scmp_op(SeccompOp op) {
  switch (op) {
    case SeccompOp::kNotEqual:
      return SCMP_CMP_NE;
    case SeccompOp::kLessThan:
      return SCMP_CMP_LT;
    case SeccompOp::kLessEqual:
      return SCMP_CMP_LE;
    case SeccompOp::kEqualTo:
      return SCMP_CMP_EQ;
    case SeccompOp::kGreaterEqual:
      return SCMP_CMP_GE;
    case SeccompOp::kGreaterThan:
      return SCMP_CMP_GT;
    case SeccompOp::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

// One libseccomp rule per syscall; when an argument index repeats, libseccomp
// cannot AND the comparisons, so each becomes its own rule (as runc does).
Status add_syscall_rule(void* ctx, uint32_t action, int nr, const SeccompRule& rule,
                        const std::string& name) {
  std::vector<scmp_arg_cmp> conds;
  std::set<unsigned> indexes;
  for (const auto& arg : rule.args) {
    conds.push_back({arg.index, scmp_op(arg.op), arg.value, arg.value_two});
    indexes.insert(arg.index);
  }
  const bool separate = indexes.size() != conds.size();
  if (!separate) {
    int rc =
        seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data());
    if (rc < 0) return std::unexpected(scmp_error("seccomp_rule_add(" + name + ")", rc));
    return {};
  }
  for (const auto& cond : conds) {
    int rc = seccomp_rule_add_array(ctx, action, nr, 1, &cond);
    if (rc < 0) return std::unexpected(scmp_error("seccomp_rule_add(" + name + ")", rc));
  }
  return {};
}

Status add_rules(void* ctx, const SeccompProfile& profile, const Target& target,
                 uint32_t default_action) {
  for (const auto& rule : profile.syscalls) {
    if (!rule_applies(rule, target)) continue;
    uint32_t action = SBX_TRY(scmp_action(rule.action, rule.errno_ret));
    // libseccomp refuses rules that repeat the default action; they are no-ops.
    if (action == default_action) continue;
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on this arch: docker skips it
      SBX_TRY(add_syscall_rule(ctx, action, nr, rule, name));
    }
  }
  return {};
}

// archMap: the entry for the native arch brings its sub-architectures;
// the old "architectures" list is added as is. Unknown names are skipped.
Status add_architectures(void* ctx, const SeccompProfile& profile) {
  std::vector<uint32_t> arches;
  for (const auto& name : profile.architectures) arches.push_back(arch_token(name));
  for (const auto& entry : profile.arch_map) {
    if (arch_token(entry.architecture) != seccomp_arch_native()) continue;
    for (const auto& sub : entry.sub_architectures) arches.push_back(arch_token(sub));
  }
  for (uint32_t arch : arches) {
    if (arch == 0 || arch == seccomp_arch_native()) continue;
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) return std::unexpected(scmp_error("seccomp_arch_add", rc));
  }
  return {};
}

Result<std::vector<sock_filter>> export_bpf(void* ctx) {
  UniqueFd fd(memfd_create("sandbox-seccomp", MFD_CLOEXEC));
  if (!fd) return fail_errno("memfd_create", "sandbox-seccomp");
  int rc = seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) return std::unexpected(scmp_error("seccomp_export_bpf", rc));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return fail_errno("fstat", "sandbox-seccomp");
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return fail("seccomp_export_bpf: unexpected program size " + std::to_string(size), EINVAL);
  }
  std::vector<sock_filter> filter(size / sizeof(sock_filter));
  ssize_t got = pread(fd.get(), filter.data(), size, 0);
  if (got != static_cast<ssize_t>(size)) return fail_errno("pread", "sandbox-seccomp");
  if (filter.size() > BPF_MAXINSNS) {
    return fail("seccomp profile compiles to " + std::to_string(filter.size()) +
                    " BPF instructions, more than the kernel's limit of " +
                    std::to_string(BPF_MAXINSNS),
                E2BIG);
  }
  return filter;
}

// The highest native syscall number the profile names (-1: none).
int highest_named_syscall(const SeccompProfile& profile) {
  int highest = -1;
  for (const auto& rule : profile.syscalls)
    for (const auto& name : rule.names)
      highest = std::max(highest, seccomp_syscall_resolve_name(name.c_str()));
  return highest;
}

// runc's rule for syscalls newer than the profile: ENOSYS, not the default
// action, so that a libc probing one (clone3, faccessat2, ...) falls back to
// the old call instead of failing with EPERM. A stub ahead of libseccomp's
// program, for the native arch only (x32's numbers are left to the filter).
std::vector<sock_filter> enosys_stub(int highest) {
  constexpr uint32_t kX32Bit = 0x40000000;
  uint32_t native = seccomp_arch_native();
  uint32_t x32_mask = native == SCMP_ARCH_X86_64 ? kX32Bit : 0;
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, x32_mask, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(highest), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
  };
}

static_assert(kSeccompDefaultFlags == SECCOMP_FILTER_FLAG_TSYNC);

}  // namespace

Result<unsigned> seccomp_filter_flags(const SeccompProfile& profile) {
  unsigned flags = kSeccompDefaultFlags;
  for (const auto& flag : profile.flags) {
    if (flag == "SECCOMP_FILTER_FLAG_LOG") {
      flags |= SECCOMP_FILTER_FLAG_LOG;
    } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (flag != "SECCOMP_FILTER_FLAG_TSYNC") {
      return fail("seccomp flags: unsupported flag \"" + flag + "\"", EINVAL);
    }
  }
  return flags;
}

Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, const CapabilitySet& caps) {
  unsigned flags = SBX_TRY(seccomp_filter_flags(profile));
  uint32_t default_action = SBX_TRY_CTX(
      scmp_action(profile.default_action, profile.default_errno_ret), "seccomp defaultAction");
  FilterCtx ctx(seccomp_init(default_action));
  if (!ctx) return fail("seccomp_init: cannot create a filter", ENOMEM);
  // A binary tree over syscall numbers instead of a chain of ~300 compares:
  // every syscall the container makes runs this program. A libseccomp that
  // refuses it builds the chain, as safe, only slower: not an error.
  (void)seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  SBX_TRY_CTX(add_architectures(ctx.get(), profile), "seccomp");
  Target target{caps, native_arch_names(), running_kernel_version()};
  SBX_TRY_CTX(add_rules(ctx.get(), profile, target, default_action), "seccomp");
  SeccompProgram program;
  program.filter = SBX_TRY_CTX(export_bpf(ctx.get()), "seccomp");
  if (int highest = highest_named_syscall(profile);
      highest >= 0 && default_action != SCMP_ACT_ALLOW) {
    auto stub = enosys_stub(highest);
    if (program.filter.size() + stub.size() > BPF_MAXINSNS)
      return fail("seccomp profile compiles to more than the kernel's limit of " +
                      std::to_string(BPF_MAXINSNS) + " BPF instructions",
                  E2BIG);
    program.filter.insert(program.filter.begin(), stub.begin(), stub.end());
  }
  program.flags = flags;
  return program;
}

}  // namespace sbx::security
