// Host checks for `sandbox system check` and `sandbox info`: can this user
// create user namespaces with a full id map? Gathering facts does I/O (and a
// live probe); judging them is pure, so the verdicts are unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/host_check.hpp"
#include "sandbox/userns/subid.hpp"
#include "sandbox/userns/write_id_maps.hpp"

namespace sbx::userns {

using HostCheck = sbx::HostCheck;

// The sysctls that decide whether unprivileged user namespaces work;
// nothing when the file does not exist on this kernel.
struct UsernsSysctls {
  std::optional<long> max_user_namespaces;        // user.max_user_namespaces
  std::optional<long> unprivileged_userns_clone;  // kernel.unprivileged_userns_clone (Debian)
  std::optional<long> apparmor_restrict;          // kernel.apparmor_restrict_unprivileged_userns
};
UsernsSysctls read_userns_sysctls();

// The hint for a failure with `errno_value` in creating or using a user
// namespace, naming the setting to change.
std::string userns_hint_for(int errno_value, const UsernsSysctls& sysctls);

// A fork that unshares a user + mount namespace, maps itself and mounts.
struct UsernsProbe {
  bool ok = false;
  std::string step;  // the step that failed: "unshare", "uid_map", "mount"
  int errno_value = 0;
};
UsernsProbe probe_user_namespace();

struct UsernsFacts {
  std::string user;
  SubidLookup subuids, subgids;
  MapHelper newuidmap, newgidmap;
  UsernsSysctls sysctls;
  UsernsProbe probe;
};
UsernsFacts gather_userns_facts();

std::vector<HostCheck> judge_userns_facts(const UsernsFacts& facts);
// gather + judge.
std::vector<HostCheck> check_user_namespaces();

}  // namespace sbx::userns
