// The one message type between sandbox's processes: one fixed-size
// SyncMessage (sync_wire.h), so a child never allocates to send one. Every
// pipe and socket that uses it (in launch and userns, hence here in base),
// and the few that cannot, are drawn in docs/processes.md. The container's
// first process, for one:
//
//   parent (sandbox)                         child (PID 1 of the container)
//   ----------------                         -------------------------------------------
//   the namespaces made ahead, mapped
//   (userns::NamespaceHolder), while the
//   rest is prepared
//   clone(CLONE_VM|CLONE_VFORK): joiner -->  setns(user, mnt, ...), clone(CLONE_PARENT|NEWPID)
//                                            setresuid(0), mounts, pivot_root, masks,
//                                            hostname
//   (with -t) recv kPtyMaster + fd  <------  opens the pty in its own devpts
//   recv kWaitingForHost            <------  blocks in recv()
//   network, cgroup
//   send kHostReady                 ------>  user, groups, caps, no_new_privs, seccomp,
//                                            execve(init)
//   recv EOF                        <------  execve succeeded (the socket was CLOEXEC)
//
// Any failing step instead sends kError{errno, "step: syscall(path)"} and
// _exit(125)s; the parent turns it into an Error with strerror(errno).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/base/sync_wire.h"
#include "sandbox/base/unique_fd.hpp"

namespace sbx {

// The values and layout are sync_wire.h's, which the static init sends too.
enum class SyncType : uint32_t {
  kPtyMaster = SBX_SYNC_PTY_MASTER,
  kWaitingForHost = SBX_SYNC_WAITING_FOR_HOST,
  kHostReady = SBX_SYNC_HOST_READY,
  kError = SBX_SYNC_ERROR,
  kExecPid = SBX_SYNC_EXEC_PID,
  kDone = SBX_SYNC_DONE,
  kFailed = SBX_SYNC_FAILED,
  kCreated = SBX_SYNC_CREATED,
  kWarning = SBX_SYNC_WARNING,
};

struct SyncMessage {
  SyncType type = SyncType::kError;
  int32_t error_number = 0;
  char text[SBX_SYNC_TEXT_SIZE] = {};
};
static_assert(sizeof(SyncMessage) == SBX_SYNC_MESSAGE_SIZE &&
              sizeof(SyncMessage) == sizeof(sbx_sync_wire) &&
              offsetof(SyncMessage, error_number) == offsetof(sbx_sync_wire, error_number) &&
              offsetof(SyncMessage, text) == offsetof(sbx_sync_wire, text));

// A message of `type`; noexcept and allocation-free for the child.
SyncMessage make_sync_message(SyncType type) noexcept;
// kError with "step: syscall(path)" (path may be null).
SyncMessage make_sync_error(int error_number, const char* step, const char* syscall,
                            const char* path) noexcept;
// kFailed with a whole Error: its message, '\0', its hint (cut to fit: the
// hint goes first).
SyncMessage make_sync_failure(const Error& error) noexcept;
// kWarning with `text`; a text too long is cut and ends in "...".
SyncMessage make_sync_warning(std::string_view text) noexcept;
// The text of a message up to its first NUL (within the message even when a
// broken sender left none): a kWarning's warning.
std::string sync_text(const SyncMessage& message);
// The parent's view of a kError message, "step: syscall(path): strerror", or
// of a kFailed one (the Error that was sent).
Error sync_error_to_error(const SyncMessage& message);

// A kError from SBX_SYNC_EXEC_COMMAND_STEP: init could not exec the command
// (exit status 126/127), which is the command's failure, not sandbox's.
bool is_command_exec_failure(const SyncMessage& message) noexcept;

// Sends one message (and `fd` as SCM_RIGHTS when >= 0). Returns 0 or -errno.
int send_sync(int socket, const SyncMessage& message, int fd = -1) noexcept;
// One sendmsg(2) of `size` bytes with `fd` (unless -1) as SCM_RIGHTS, EINTR
// retried, no SIGPIPE: the bytes sent, or -errno.
ssize_t send_with_fd(int socket, const void* data, size_t size, int fd) noexcept;

// The two ends of a sync socket (SOCK_SEQPACKET, close-on-exec): the parent
// keeps one, the child(ren) the other.
struct SyncPair {
  UniqueFd parent_end;
  UniqueFd child_end;
};
Result<SyncPair> make_sync_pair();

struct Received {
  SyncMessage message;
  UniqueFd fd;  // set for kPtyMaster
};
// Blocks for one message; std::nullopt on EOF.
Result<std::optional<Received>> receive_sync(int socket);
// The child's side: one message, no fd; returns 0, or -errno (-EPIPE on EOF).
int receive_sync_raw(int socket, SyncMessage& message) noexcept;

}  // namespace sbx
