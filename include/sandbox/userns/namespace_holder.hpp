// A container's namespaces, made ahead of its first process. A small child
// of ours creates a user namespace and, owned by it, the namespaces that need
// no process of their own (mount, net, ipc, uts), then waits while newgidmap
// and newuidmap map it. Those setuid helpers, and the kernel's work for the
// namespaces, run while the caller prepares the rest; the container's first
// process then joins them all with one setns(2) (docs/architecture.md, "The
// run path").
#pragma once

#include <sched.h>
#include <signal.h>

#include <optional>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/write_id_maps.hpp"

namespace sbx::userns {

class NamespaceHolder {
 public:
  // The namespaces besides the user namespace that a holder can make.
  static constexpr int kHoldable = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

  // clone(CLONE_NEWUSER) of a child that unshares `namespaces` (a subset of
  // kHoldable) and waits; starts writing `maps` for it. The caller must be
  // single-threaded (fork).
  static Result<NamespaceHolder> create(const IdMaps& maps, int namespaces);
  // The same, but the new user namespace is made inside `parent_userns` (an
  // fd of a user namespace our uid owns, mapped with `maps`) and mapped onto
  // it one to one by a process in it: no setuid helper runs. The container
  // still gets a user namespace of its own.
  static Result<NamespaceHolder> create_inside(int parent_userns, const IdMaps& maps,
                                               int namespaces);

  // Waits until the maps are written and the namespaces made.
  Status await_ready();
  // For setns(pidfd(), namespaces()) once ready: close-on-exec.
  int pidfd() const { return pidfd_.get(); }
  // CLONE_NEWUSER and what the holder unshared.
  int namespaces() const { return namespaces_; }
  // Once joined: the holder goes (the namespaces live on in the container).
  void release() { holder_.kill_and_reap(); }

 private:
  // Takes `pid` (our child, the holder) and its report socket.
  Status adopt(pid_t pid, UniqueFd report, int namespaces);

  ChildProcess holder_;
  UniqueFd pidfd_;
  UniqueFd report_;  // the holder sends kDone, or kError with unshare's errno
  int namespaces_ = 0;
  std::optional<IdMapWriting> maps_;
};

}  // namespace sbx::userns
