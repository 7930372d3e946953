// Putting a container into a cgroup of its own with its limits: a systemd
// transient scope (Delegate=yes) on the user's manager, or a delegated
// cgroupfs subtree. Layout inside (no-internal-processes rule):
//   <scope>/container   the container's processes, limits written here
//   <scope>/monitor     systemd: the process watching it (launcher, then monitor)
// cgroupfs: <base>/sandbox-<id>/container, with the processes that were in
// <base> (the launcher among them) moved to <base>/sandbox-init.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"

namespace sbx::cgroup {

// While planning: checks that this host can enforce the limits asked for.
// Strict: an error naming the missing controllers (or cgroup v2, or the user
// manager) and the fix. Best effort: removes the limits that cannot be
// enforced from `request` and returns one warning. No limits: no work at all.
Result<std::optional<std::string>> settle_limits(CgroupRequest& request);

// Pure part of settle_limits, for tests: `available` controllers (nullopt
// when there is no usable cgroup at all, with `why`).
Result<std::optional<std::string>> settle_limits_against(
    CgroupRequest& request, const std::optional<std::vector<std::string>>& available,
    const std::string& why);

struct Placement {
  std::filesystem::path scope;      // the scope (or cgroupfs) directory; empty: none
  std::filesystem::path container;  // <scope>/container
};

// cgroupfs: the delegated cgroup containers go under, from our own v2 path:
// itself, or its parent when we run in its init leaf (where an earlier run
// moved the processes of that cgroup so it could hand controllers down).
std::string cgroupfs_base(std::string_view own_cgroup);

// Creates the cgroup of container `id`, moves `container_pid` (stopped before
// exec) and `launcher_pid` in and writes the limits. Nothing when the request
// has no limits.
Result<Placement> place(const std::string& id, const CgroupRequest& request, pid_t container_pid,
                        pid_t launcher_pid);

// After the container ended: removes the cgroup dirs a cgroupfs placement
// made (killing what is left in them); systemd collects its scopes itself.
Status remove_cgroup(const std::filesystem::path& container_cgroup);

// Containers of this user in systemd scopes: id -> <scope>/container, for ids
// starting with `id_prefix` ("" = all), from the user manager's cgroup tree.
std::vector<std::pair<std::string, std::filesystem::path>> find_scoped_containers(
    std::string_view id_prefix);

// `sandbox update`: new limits into a running container's cgroup.
Status update_limits(const std::filesystem::path& container_cgroup, const Limits& limits);

}  // namespace sbx::cgroup
