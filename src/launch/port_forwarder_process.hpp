// Starting sandbox-portfwd (helpers/portfwd/portfwd.c) in another process's
// user and network namespaces: the per-user network namespace's forwarder
// (user_network.cpp) and a default-network container's own (host_network.cpp).
#pragma once

#include <sys/types.h>

#include "sandbox/base/error.hpp"

namespace sbx::launch {

enum class ForwarderLife {
  kOutlivesUs,  // the per-user namespace's: it runs on after this process
  kDiesWithUs,  // a container's own: SIGKILLed when this process dies
};

// Forks and execs sandbox-portfwd (sealed memfd) in the user and network
// namespaces of `ns_pid` (its user namespace only when it is not ours), with
// `control` (a listening SOCK_SEQPACKET socket) as its fd 3. Returns its pid
// once it has exec'd; it is our child.
Result<pid_t> start_port_forwarder(pid_t ns_pid, int control, ForwarderLife life);

}  // namespace sbx::launch
