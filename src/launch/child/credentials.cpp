#include "child/credentials.hpp"

#include <grp.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sbx::launch::detail {

CredentialFailure switch_to_process_user(const ProcessPlan& p) noexcept {
  // A non-root user keeps its permitted set across setresuid, so that
  // apply_security_plan can still cut the bounding set and set the caps.
  if (p.uid != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return {errno, "prctl", "PR_SET_KEEPCAPS"};
  // setgroups is denied in a namespace with a one-id map and no newgidmap.
  if (::setgroups(p.additional_gids.size(), p.additional_gids.data()) < 0 &&
      !(errno == EPERM && p.additional_gids.empty()))
    return {errno, "setgroups", nullptr};
  if (::setresgid(p.gid, p.gid, p.gid) < 0) return {errno, "setresgid", nullptr};
  if (::setresuid(p.uid, p.uid, p.uid) < 0) return {errno, "setresuid", nullptr};
  return {};
}

CredentialFailure join_new_session_keyring() noexcept {
  // The caller's session keyring (pam_keyinit's, linked to the user's own
  // keyring) is inherited through clone and execve: with keyctl allowed
  // (--privileged, a profile that allows it) the container would read and
  // change the user's keys. ENOSYS: a kernel without keys; EPERM: an outer
  // seccomp filter, which the container inherits too. Neither leaves a key
  // to reach, so runc's rule (only ENOSYS) is widened by that one case.
  if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr) < 0 && errno != ENOSYS &&
      errno != EPERM)
    return {errno, "keyctl", "KEYCTL_JOIN_SESSION_KEYRING"};
  return {};
}

}  // namespace sbx::launch::detail
