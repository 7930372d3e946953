// The libseccomp functions the profile compiler calls, loaded on first use
// (see sandbox/base/lazy_library.hpp): a run whose program is in the seccomp
// cache (seccomp_cache.cpp) never maps libseccomp.
#include <dlfcn.h>
#include <seccomp.h>

#include "sandbox/base/lazy_library.hpp"
#include "seccomp_internal.hpp"

namespace {

sbx::LazyLibrary& libseccomp() {
  static sbx::LazyLibrary library("libseccomp.so.2");
  return library;
}

}  // namespace

extern "C" {

const scmp_version* seccomp_version() { return SBX_LAZY(libseccomp(), seccomp_version)(); }
scmp_filter_ctx seccomp_init(uint32_t def_action) {
  return SBX_LAZY(libseccomp(), seccomp_init)(def_action);
}
void seccomp_release(scmp_filter_ctx ctx) { SBX_LAZY(libseccomp(), seccomp_release)(ctx); }
uint32_t seccomp_arch_resolve_name(const char* arch_name) {
  return SBX_LAZY(libseccomp(), seccomp_arch_resolve_name)(arch_name);
}
uint32_t seccomp_arch_native() { return SBX_LAZY(libseccomp(), seccomp_arch_native)(); }
int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token) {
  return SBX_LAZY(libseccomp(), seccomp_arch_add)(ctx, arch_token);
}
int seccomp_attr_set(scmp_filter_ctx ctx, scmp_filter_attr attr, uint32_t value) {
  return SBX_LAZY(libseccomp(), seccomp_attr_set)(ctx, attr, value);
}
int seccomp_syscall_resolve_name(const char* name) {
  return SBX_LAZY(libseccomp(), seccomp_syscall_resolve_name)(name);
}
int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                           const scmp_arg_cmp* arg_array) {
  return SBX_LAZY(libseccomp(), seccomp_rule_add_array)(ctx, action, syscall, arg_cnt, arg_array);
}
int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd) {
  return SBX_LAZY(libseccomp(), seccomp_export_bpf)(ctx, fd);
}

}  // extern "C"

namespace sbx::security {

std::string libseccomp_file() {
  Dl_info info{};
  auto any = SBX_LAZY(libseccomp(), seccomp_version);
  if (::dladdr(reinterpret_cast<void*>(any), &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}

}  // namespace sbx::security
