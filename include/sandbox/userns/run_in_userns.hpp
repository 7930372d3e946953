// Runs a piece of code as root of a new user namespace with the given maps,
// e.g. to unpack layers with their real (subordinate) ownership or to delete
// files owned by subordinate ids.
#pragma once

#include <functional>
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
// The caller must be single-threaded when calling (fork).
Result<UsernsOutcome> run_in_user_namespace(
    const IdMaps& maps, const std::function<Status(std::vector<std::string>& warnings)>& body);

}  // namespace sbx::userns
