#include "sandbox/userns/namespace_holder.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::userns {
namespace {

// The holder owns nothing of ours: it makes the namespaces, says how that
// went and waits to be killed (by us once joined, or by the kernel when we
// die).
[[noreturn]] void hold_namespaces(pid_t parent, int namespaces, int report) noexcept {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != parent) ::_exit(0);  // we died before PDEATHSIG was set
  int result = ::unshare(namespaces) < 0 ? errno : 0;
  if (::write(report, &result, sizeof result) != sizeof result) ::_exit(1);
  ::close_range(3, ~0U, 0);
  for (;;) ::pause();
}

}  // namespace

Result<NamespaceHolder> NamespaceHolder::create(const IdMaps& maps, int namespaces) {
  if ((namespaces & ~kHoldable) != 0) return fail("namespace holder: namespaces it cannot hold");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "namespace holder report");
  UniqueFd report_read(fds[0]), report_write(fds[1]);
  pid_t parent = ::getpid();
  // fork-like clone: the child starts in the new user namespace, unmapped but
  // with every capability there, which unshare needs.
  long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid < 0) {
    int error = errno;
    return fail(Error::from_errno("clone", "a new user namespace", error)
                    .with_hint(userns_disabled_hint(error)));
  }
  if (pid == 0) hold_namespaces(parent, namespaces, report_write.get());
  NamespaceHolder holder;
  holder.holder_ = ChildProcess(static_cast<pid_t>(pid));
  holder.report_ = std::move(report_read);
  holder.namespaces_ = CLONE_NEWUSER | namespaces;
  holder.pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!holder.pidfd_) return fail_errno("pidfd_open", "namespace holder");
  holder.maps_ = SBX_TRY(IdMapWriting::start(static_cast<pid_t>(pid), maps));
  return holder;
}

Status NamespaceHolder::await_ready() {
  if (maps_) {
    Status written = maps_->finish();
    maps_.reset();
    SBX_TRY(std::move(written));
  }
  if (!report_) return {};
  int result = 0;
  ssize_t n;
  do n = ::read(report_.get(), &result, sizeof result);
  while (n < 0 && errno == EINTR);
  report_.reset();
  if (n != sizeof result) return fail("the process making the container's namespaces died");
  if (result == ENOSPC)
    return fail(Error::from_errno("unshare", "the container's namespaces", result)
                    .with_hint("a per-user namespace limit is reached: see sysctl "
                               "user.max_mnt_namespaces, user.max_net_namespaces, "
                               "user.max_ipc_namespaces and user.max_uts_namespaces"));
  if (result != 0) return fail_errno("unshare", "the container's namespaces", result);
  return {};
}

}  // namespace sbx::userns
