// --network container:NAME and ns:PATH: the container's first process joins
// a network namespace that another user namespace owns. setns(2) into it
// needs CAP_SYS_ADMIN over its owner, which the container's own (a sibling)
// lacks; the joiner therefore enters the pause process's user namespace (the
// parent of the container's, root there), joins the network namespace, and
// only then the container's namespaces.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::launch {

// The two namespaces to join by fd, in order: the user namespace that holds
// the container's (made ahead by the holder behind `holder_pidfd`), then the
// network namespace at `path`, which must be owned by that user namespace
// or one made inside it (another container's, `sandbox unshare`'s).
struct NetnsJoin {
  UniqueFd parent_userns;
  UniqueFd netns;
};
Result<NetnsJoin> open_netns_to_join(const std::string& path, int holder_pidfd);

// The netns path of `--network container:NAME|ns:PATH` (spec.network_join):
// the running container's /proc/PID/ns/net, or PATH. `etc_from` gets the
// container's runtime /etc dir (its hosts and resolv.conf are shared).
Result<std::string> resolve_join_netns(const containers::Containers& containers,
                                       const std::string& join, std::filesystem::path& etc_from);

}  // namespace sbx::launch
