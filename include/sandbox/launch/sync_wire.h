/* The bytes of one sync message (sync.hpp), in C so that the static helpers,
 * which link no C++ (helpers/init), send exactly what the parent reads. Fixed
 * size: a child sends one without allocating. */
#ifndef SANDBOX_RUNTIME_SYNC_WIRE_H
#define SANDBOX_RUNTIME_SYNC_WIRE_H

#include <stdint.h>

enum {
  SBX_SYNC_PTY_MASTER = 2,       /* child -> parent, carries the pty master fd */
  SBX_SYNC_WAITING_FOR_HOST = 3, /* child -> parent */
  SBX_SYNC_HOST_READY = 4,       /* parent -> child */
  SBX_SYNC_ERROR = 5,            /* child -> parent: error_number and "step: syscall(path)" */
  SBX_SYNC_EXEC_PID = 6,         /* exec's joiner -> parent; error_number holds the pid */
};

#define SBX_SYNC_TEXT_SIZE 480

struct sbx_sync_wire {
  uint32_t type;
  int32_t error_number;
  char text[SBX_SYNC_TEXT_SIZE];
};

/* The step whose failure means the command itself could not be executed (exit
 * status 126 or 127), not that sandbox failed. */
#define SBX_SYNC_EXEC_COMMAND_STEP "exec command"

#endif
