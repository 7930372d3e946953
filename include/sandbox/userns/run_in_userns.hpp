// Runs a piece of code as root of a new user namespace with the given maps,
// e.g. to unpack layers with their real (subordinate) ownership or to delete
// files owned by subordinate ids.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::userns {

struct UsernsOutcome {
  std::vector<std::string> warnings;  // what the body reported, in order
};

// Forks a child into new user + mount namespaces, writes `maps` from the
// parent (newuidmap/newgidmap), makes the child uid/gid 0, runs `body` there
// and returns its Status (the Error, with errno and hint, is carried back).
// The caller must be single-threaded when calling (fork). The child's mount
// namespace is private: mounts made by `body` vanish with it.
Result<UsernsOutcome> run_in_user_namespace(
    const IdMaps& maps, const std::function<Status(std::vector<std::string>& warnings)>& body);

struct ExecOutcome {
  int wait_status = 0;  // of the command, when it ran
  // Set when the command itself could not be executed (errno ENOENT: not
  // found, else not executable), as opposed to sandbox failing.
  std::optional<Error> cannot_run;
};

// As `podman unshare`: runs argv (searched in PATH) as root of a new user
// namespace with `maps`, stdio inherited, and waits for it. SIGINT and
// SIGQUIT are ignored by the caller while the command runs.
Result<ExecOutcome> exec_in_user_namespace(const IdMaps& maps,
                                           const std::vector<std::string>& argv);

// The hint for an unshare(CLONE_NEWUSER) failure with `errno_value`: names
// the sysctl (or AppArmor setting) to change on this host.
std::string userns_disabled_hint(int errno_value);

}  // namespace sbx::userns
