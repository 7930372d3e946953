// --pid container:NAME and --ipc container:NAME: the container joins another
// running container's pid or IPC namespace, and with it that container's user
// namespace. Namespaces can be joined (setns) and a procfs or mqueue mounted
// for them only with privileges over the user namespace that owns them, and
// every container has a user namespace of its own (pause_namespace.hpp): the
// one made ahead is therefore left unused, and the container's other new
// namespaces are made inside the joined one. The id maps are the same (the
// same --userns is required), so the rootfs's owners stay right.
// When the other container stops, the kernel kills every process of its pid
// namespace: this container's too (docker's behaviour).
#pragma once

#include "sandbox/base/error.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {

// The namespaces of the containers named by spec.pid_mode and spec.ipc_mode
// (which must be running, in namespaces of their own, with the same --userns;
// both must share one user namespace). Empty when neither names one.
Result<SharedNamespaces> resolve_shared_namespaces(const containers::Containers& containers,
                                                   const containers::ContainerSpec& spec);

// The open namespaces of `shared`, user namespace first, to join in order;
// `types` gets their CLONE_NEW* flags. Opened right before the clone.
struct SharedNamespaceFds {
  std::vector<UniqueFd> fds;
  UniqueFd shm_mntns;  // the mount namespace whose /dev/shm is bound, or none
  int types = 0;
};
Result<SharedNamespaceFds> open_shared_namespaces(const SharedNamespaces& shared);

}  // namespace sbx::launch
