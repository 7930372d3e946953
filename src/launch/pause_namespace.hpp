// The user namespace containers' own user namespaces are made in. A small
// pause process (the init binary with --pause) keeps it for the invoking
// user, mapped once by newuidmap and newgidmap; each run then maps its
// container's new user namespace onto it one to one from inside, with no
// setuid helper (userns::NamespaceHolder::create_inside). podman keeps a pause
// process for the same reason; unlike podman's, each container still has a
// user namespace of its own. Private to the runtime.
#pragma once

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/userns/id_map.hpp"

namespace sbx::launch {

// An fd of the pause process's user namespace for `maps`; starts the pause
// process (under a lock, running the helpers once) when none is alive with
// exactly these maps. Its pid is kept in the runtime dir (pause-<key>.pid).
Result<UniqueFd> parent_user_namespace(const userns::IdMaps& maps);

}  // namespace sbx::launch
