// Starts an ExecPlan's process inside a running container. Private to the
// runtime. The protocol over one SOCK_SEQPACKET socketpair (SyncMessage):
//
//   parent (sandbox exec)           joiner (fork)                 command (in the pid ns)
//   ---------------------           -------------                 -----------------------
//   pidfd of the container's PID 1,
//   start time checked
//   fork -------------------------> non-dumpable, close host fds,
//                                   setns(pidfd, USER first, then
//                                   mnt pid uts ipc net cgroup)
//                                   clone(CLONE_PARENT) --------> blocks in recv()
//   recv kExecPid <---------------- send its pid, _exit(0)
//   reap the joiner; the command's
//   cgroup.procs (when the
//   container has a cgroup)
//   send kHostReady ----------------------------------------------> (-t) open /dev/pts/ptmx
//   recv kPtyMaster + fd <------------------------------------------ send the master
//                                                                 stdio, chdir, user, caps,
//                                                                 no_new_privs, seccomp,
//                                                                 execveat(init memfd, --exec)
//                                                                 init: execve over $PATH
//   recv EOF <------------------------------------------------------ execve succeeded (CLOEXEC)
//
// A failing step sends kError{errno, "step: syscall(path)"} and _exit(125)s;
// init sends kError from SBX_SYNC_EXEC_COMMAND_STEP when no candidate path
// could be exec'd, which the parent turns into exit status 126 or 127. The
// command is never exec'd by the host's binary (see exec_init). Nothing
// allocates or throws after fork.
#pragma once

#include <sys/types.h>

#include <optional>

#include "sandbox/base/error.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/launch/exec.hpp"

namespace sbx::launch::detail {

// The exec'd command, a child of the parent, in the container.
class ExecProcess {
 public:
  // fork the joiner; returns once the command process exists (its pid known)
  // and waits for kHostReady. The caller must be single-threaded.
  static Result<ExecProcess> spawn(const ExecPlan& plan, int container_pidfd);

  pid_t pid() const { return command_.pid(); }
  // Lets the command run; collects the pty master. nullopt: the command was
  // exec'd; an Error inside: it could not be (its errno says 126 or 127).
  Result<std::optional<Error>> release_and_await_exec();
  UniqueFd take_pty_master() { return std::move(pty_master_); }
  ChildProcess& child() { return command_; }

 private:
  ChildProcess command_;
  UniqueFd sync_;
  UniqueFd pty_master_;
};

}  // namespace sbx::launch::detail
