#include "child_credentials.hpp"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace sbx::runtime::detail {

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

}  // namespace sbx::runtime::detail
