// --pid and --ipc of `run` and `create`: which pid and IPC namespace the
// container has. Pure; the namespaces are found and joined by launch
// (src/launch/share_namespaces.cpp).
#pragma once

#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/run_flags.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {

// What a --pid or --ipc value asks for.
enum class NamespaceShare {
  kOwn,        // a namespace of its own ("", private, shareable, none)
  kHost,       // the host's: no new namespace
  kContainer,  // another running container's (and its user namespace)
};

// The kind of a stored pid_mode or ipc_mode.
NamespaceShare namespace_share(std::string_view mode);
// The NAME of "container:NAME" ("" for other modes).
std::string namespace_share_target(std::string_view mode);

// Checks --pid (host, container:NAME) and --ipc (private, shareable, none,
// host, container:NAME) and sets spec.pid_mode and spec.ipc_mode; IPC
// sysctls without an IPC namespace of the container's own are refused.
Status apply_namespace_flags(const RunFlags& flags, ContainerSpec& spec);

}  // namespace sbx::containers
