/* sandbox-init: PID 1 of every sandbox container (docker's --init, always on).
 *
 *   sandbox-init [-t] [--report FD] -- COMMAND [ARG...]
 *
 * Starts COMMAND (searched in the container's PATH), forwards every signal it
 * receives to it, reaps every zombie re-parented to PID 1, and exits with
 * COMMAND's status: its exit code, or 128+N when it was killed by signal N.
 * A COMMAND that cannot be run exits 127 (not found) or 126 (not executable),
 * as docker does. When it is not PID 1 (the container shares another pid
 * namespace) it is the command's subreaper, its end kills the command, and
 * the command's end kills what it left running, as a PID 1's would.
 * With -t the command gets its own process group in the
 * foreground of the terminal, so Ctrl-C reaches it and not this init. With
 * --report, FD (sandbox's sync socket) learns whether COMMAND was exec'd: one
 * sync message when it could not be, then EOF either way, so that `run -d`
 * fails with 127/126 instead of printing the id of a container that died.
 *
 * Runs from a sealed memfd (never from a host path) and is static, so it needs
 * nothing from the image. `sandbox-init --pause` only waits to be killed: it
 * keeps the user namespace that containers' own are made in.
 *
 *   sandbox-init --exec REPORT_FD -- PATH... -- COMMAND [ARG...]
 *
 * is how `sandbox exec` starts its command: no fork, no supervision, only the
 * execve, so that the process calling execve runs from this sealed memfd and
 * a script whose interpreter is /proc/self/exe reaches the memfd, never the
 * host's sandbox binary (CVE-2019-5736). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/base/sync_wire.h"

extern char** environ;

/* The same words as launch::command_exec_error, which `run -d` and `exec` print. */
static void die_exec(const char* command, int error_number) {
  if (error_number == ENOENT && !strchr(command, '/'))
    fprintf(stderr, "sandbox: exec \"%s\": executable file not found in $PATH\n", command);
  else
    fprintf(stderr, "sandbox: exec \"%s\": %s\n", command, strerror(error_number));
}

/* The sync message that says `command` could not be exec'd (sync_wire.h):
 * the same bytes whether init's own child sends it to init or init sends it
 * to `sandbox exec`. */
static void exec_failure(struct sbx_sync_wire* message, int error_number, const char* command) {
  memset(message, 0, sizeof *message);
  message->type = SBX_SYNC_ERROR;
  message->error_number = error_number;
  snprintf(message->text, sizeof message->text, "%s: execve(%s)", SBX_SYNC_EXEC_COMMAND_STEP,
           command);
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

/* In the forked child: become the foreground job (with -t) and exec. Reports
 * a failing execve through `report` as one sync message (a pipe: one message
 * is PIPE_BUF bytes, written at once); close-on-exec, so success closes it. */
static void run_command(char** command, int tty, int report, const sigset_t* unblocked,
                        pid_t init) {
  /* Not PID 1 (--pid host or container:NAME): our end would not end the
   * command with us, so the kernel does (rm -f kills this init). */
  if (init != 1 && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != init)) _exit(137);
  if (tty) {
    setpgid(0, 0);
    tcsetpgrp(STDIN_FILENO, getpid()); /* SIGTTOU is blocked here */
  }
  sigprocmask(SIG_SETMASK, unblocked, NULL);
  execvp(command[0], command);
  struct sbx_sync_wire message;
  exec_failure(&message, errno, command[0]);
  ssize_t n = write(report, &message, sizeof message);
  (void)n;
  _exit(127);
}

/* Waits for signals: SIGCHLD reaps, everything else goes to the command.
 * Returns the command's exit code once it is gone. */
static int supervise(pid_t command, const sigset_t* all) {
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(command, sig);
      continue;
    }
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == command) return exit_code_of(status);
    }
  }
}

/* Not PID 1: what the command left running (its orphans, ours as the
 * subreaper) would outlive the container; a PID 1's end takes them along,
 * so ours does too. Each round kills our children and reaps those gone;
 * their own children come to us and go in a later round. */
static void end_orphans(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
  for (int round = 0; round < 5000; ++round) {
    FILE* children = fopen(path, "re");
    if (!children) return;
    int any = 0, pid;
    while (fscanf(children, "%d", &pid) == 1) {
      kill(pid, SIGKILL);
      any = 1;
    }
    fclose(children);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    if (!any) return;
    usleep(1000);
  }
}

/* --pause: holds the namespaces it was started in until it is killed (the
 * user namespace that containers' own user namespaces are made in). */
static _Noreturn void pause_forever(void) {
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGTERM);
  sigdelset(&all, SIGINT);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (;;) pause();
}

/* --exec: sandbox has set up everything (namespaces, credentials, security)
 * and searched the container's PATH: try each candidate PATH in order with
 * execvp's rules (the first that runs wins; EACCES anywhere beats ENOENT). A
 * failure goes to REPORT_FD as one sync message; success closes it, as it is
 * close-on-exec from here on. */
static int exec_candidates(int report, char** paths, char** command) {
  if (fcntl(report, F_SETFD, FD_CLOEXEC) < 0) return 125;
  int error_number = ENOENT;
  for (; *paths && strcmp(*paths, "--") != 0; ++paths) {
    execve(*paths, command, environ);
    if (errno == EACCES)
      error_number = EACCES;
    else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG) {
      error_number = errno;
      break;
    }
  }
  struct sbx_sync_wire message;
  exec_failure(&message, error_number, command[0]);
  ssize_t n = send(report, &message, sizeof message, MSG_NOSIGNAL);
  (void)n;
  return error_number == ENOENT ? 127 : 126;
}

/* Splits `--exec FD -- PATH... -- COMMAND...`; 125 on a malformed line. */
static int exec_mode(int argc, char** argv) {
  char* end = NULL;
  long report = argc > 3 ? strtol(argv[2], &end, 10) : -1;
  if (report < 0 || end == argv[2] || *end != '\0' || strcmp(argv[3], "--") != 0) return 125;
  int i = 4;
  while (i < argc && strcmp(argv[i], "--") != 0) ++i;
  if (i + 1 >= argc) return 125;
  return exec_candidates((int)report, argv + 4, argv + i + 1);
}

/* Tells sandbox (--report FD) whether the command was exec'd: `message`
 * when it was not, then EOF. */
static void report_exec(int sandbox, const struct sbx_sync_wire* message) {
  if (sandbox < 0) return;
  if (message) {
    ssize_t n = send(sandbox, message, sizeof *message, MSG_NOSIGNAL);
    (void)n;
  }
  close(sandbox);
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--pause") == 0) pause_forever();
  if (argc > 1 && strcmp(argv[1], "--exec") == 0) return exec_mode(argc, argv);
  int tty = 0, sandbox = -1, i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strcmp(argv[i], "-t") == 0) tty = 1;
    if (strcmp(argv[i], "--report") == 0 && i + 1 < argc) sandbox = atoi(argv[++i]);
  }
  /* Before the fork: the command must never inherit sandbox's socket. */
  if (sandbox >= 0 && fcntl(sandbox, F_SETFD, FD_CLOEXEC) < 0) return 125;
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: sandbox-init [-t] [--report FD] -- COMMAND [ARG...]\n");
    return 125;
  }
  char** command = argv + i + 1;

  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, NULL);

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    perror("sandbox-init: pipe2");
    return 125;
  }
  /* Not PID 1: the command's orphans come to us to be reaped, as they would
   * to a PID 1 (the host's may never reap them). */
  pid_t init = getpid();
  if (init != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t pid = fork();
  if (pid < 0) {
    perror("sandbox-init: fork");
    return 125;
  }
  if (pid == 0) run_command(command, tty, report[1], &none, init);
  close(report[1]);
  struct sbx_sync_wire message;
  ssize_t n;
  do n = read(report[0], &message, sizeof message);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == (ssize_t)sizeof message && message.type == SBX_SYNC_ERROR) {
    report_exec(sandbox, &message);
    die_exec(command[0], message.error_number);
    waitpid(pid, NULL, 0);
    return message.error_number == ENOENT || message.error_number == ENOTDIR ? 127 : 126;
  }
  report_exec(sandbox, NULL);
  int code = supervise(pid, &all);
  if (init != 1) end_orphans();
  return code;
}
