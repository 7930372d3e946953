/* The bytes of one sync message (sync_message.hpp), in C so that the static helpers,
 * which link no C++ (helpers/init), send exactly what the parent reads. Fixed
 * size: a child sends one without allocating. One message is PIPE_BUF bytes,
 * so one write(2) of it is atomic on a pipe as well as on the SOCK_SEQPACKET
 * sockets most of them travel on. docs/processes.md lists every use. */
#ifndef SANDBOX_BASE_SYNC_WIRE_H
#define SANDBOX_BASE_SYNC_WIRE_H

#include <stdint.h>

enum {
  SBX_SYNC_PTY_MASTER = 2,       /* child -> parent, carries the pty master fd */
  SBX_SYNC_WAITING_FOR_HOST = 3, /* child -> parent: waits for the parent (its network and
                                    cgroup; the userns worker: its id maps) */
  SBX_SYNC_HOST_READY = 4,       /* parent -> child: go on */
  SBX_SYNC_ERROR = 5,            /* child -> parent: error_number and "step: syscall(path)";
                                    the reader appends strerror(error_number) */
  SBX_SYNC_EXEC_PID = 6,         /* exec's joiner -> parent; error_number holds the pid */
  SBX_SYNC_DONE = 7,             /* child -> parent: its part succeeded (the launcher, the
                                    namespace holder, the userns worker, the userns probe).
                                    When an execve follows, EOF says it happened, and a
                                    FAILED after DONE that it did not */
  SBX_SYNC_FAILED = 8,           /* child -> parent: a whole error, text = message '\0' hint,
                                    error_number its errno (not appended) */
  SBX_SYNC_CREATED = 9,          /* child -> parent: set up, waiting at the start gate
                                    (sandbox-runtime create) */
  SBX_SYNC_WARNING = 10,         /* child -> parent: one warning, text (cut to fit, then
                                    ending in "..."); any number of them before DONE or
                                    FAILED (the userns worker) */
};

#define SBX_SYNC_MESSAGE_SIZE 4096 /* PIPE_BUF on Linux */
#define SBX_SYNC_TEXT_SIZE (SBX_SYNC_MESSAGE_SIZE - 8)

struct sbx_sync_wire {
  uint32_t type;
  int32_t error_number;
  char text[SBX_SYNC_TEXT_SIZE];
};

/* The step whose failure means the command itself could not be executed (exit
 * status 126 or 127), not that sandbox failed. */
#define SBX_SYNC_EXEC_COMMAND_STEP "exec command"

#endif
