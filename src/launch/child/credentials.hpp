// Switching a container child to the plan's user and keyring, shared by run's
// child (child.cpp) and exec's (exec_child.cpp). Runs after clone/fork: no
// allocation, no exceptions; each caller reports a failure its own way.
#pragma once

#include "sandbox/launch/plan.hpp"

namespace sbx::launch::detail {

// Which call failed and why; error == 0 on success.
struct CredentialFailure {
  int error = 0;
  const char* syscall = nullptr;
  const char* path = nullptr;
};

// PR_SET_KEEPCAPS for a non-root user, then setgroups, setresgid, setresuid.
CredentialFailure switch_to_process_user(const ProcessPlan& process) noexcept;

// Replaces the session keyring inherited from sandbox's caller with a new,
// empty one, as runc and crun do for every container.
CredentialFailure join_new_session_keyring() noexcept;

}  // namespace sbx::launch::detail
