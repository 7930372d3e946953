#include "sealed_memfd.hpp"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <string>

#include "sandbox/base/files.hpp"

namespace sbx::launch::detail {
namespace {

#ifndef MFD_EXEC
constexpr unsigned kMfdExec = 0x0010U;
#else
constexpr unsigned kMfdExec = MFD_EXEC;
#endif

}  // namespace

Result<UniqueFd> make_sealed_memfd(const char* memfd_name, std::string_view what,
                                   std::span<const char> bytes) {
  const std::string label = "sandbox-" + std::string(what);
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  // Kernels before 6.3 reject MFD_EXEC; without it the memfd is executable anyway.
  UniqueFd fd(::memfd_create(memfd_name, flags | kMfdExec));
  if (!fd && errno == EINVAL) fd.reset(::memfd_create(memfd_name, flags));
  if (!fd) return fail_errno("memfd_create", label);
  SBX_TRY_CTX(write_all(fd.get(), std::string_view(bytes.data(), bytes.size())),
              std::string(what) + " memfd");
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return fail_errno("fcntl(F_ADD_SEALS)", label);
  return fd;
}

}  // namespace sbx::launch::detail
