// Loading an exported BPF program in the container child: plain syscalls on
// prepared data, no allocation, errno as the result.
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/security/seccomp.hpp"

namespace sbx::security {

int set_no_new_privs() noexcept { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno; }

int load_seccomp(const SeccompProgram& program) noexcept {
  if (program.filter.empty()) return 0;
  if (program.filter.size() > BPF_MAXINSNS) return E2BIG;
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.filter.size());
  prog.filter = const_cast<sock_filter*>(program.filter.data());
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog);
  if (rc == 0) return 0;
  // With TSYNC a positive result is a thread that could not be synchronised.
  int err = rc > 0 ? EAGAIN : errno;
  if (err == EINVAL && program.flags != 0) {
    // A kernel that does not know one of the flags: the child is single-threaded,
    // so TSYNC is a nicety.
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
    err = errno;
  }
  if (err == ENOSYS) {
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return 0;
    err = errno;
  }
  return err;
}

}  // namespace sbx::security
