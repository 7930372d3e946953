// Process lifecycle: sleep, exit codes, signals to self, waiting for signals, orphaned zombies.
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "payload.hpp"

namespace sbx::payload {
namespace {

// Accepts "15", "TERM" and "SIGTERM".
int parse_signal(const char* text) {
  long number = 0;
  if (parse_long(text, &number)) return number > 0 && number < NSIG ? static_cast<int>(number) : -1;
  if (std::strncmp(text, "SIG", 3) == 0) text += 3;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    const char* abbrev = sigabbrev_np(signal_number);
    if (abbrev != nullptr && std::strcmp(abbrev, text) == 0) return signal_number;
  }
  return -1;
}

// sleep SECONDS (fractions allowed); signals keep their default action.
int run_sleep(std::span<char* const> args) {
  if (args.size() != 1) return usage_error("sleep", "SECONDS");
  char* end = nullptr;
  double seconds = std::strtod(args[0], &end);
  if (*end != '\0' || seconds < 0) return usage_error("sleep", "SECONDS");
  struct timespec left {};
  left.tv_sec = static_cast<time_t>(seconds);
  left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
  return kExitOk;
}

int run_exit(std::span<char* const> args) {
  long status = 0;
  if (args.size() != 1 || !parse_long(args[0], &status)) return usage_error("exit", "STATUS");
  std::fflush(stdout);
  _exit(static_cast<int>(status & 0xff));
}

// Raises SIG with its default action. As PID 1 of a pid namespace the kernel drops it, so we
// say so and exit 1 rather than pretend.
int run_kill_self(std::span<char* const> args) {
  if (args.size() != 1) return usage_error("kill-self", "SIGNAL");
  int signal_number = parse_signal(args[0]);
  if (signal_number < 0) return usage_error("kill-self", "SIGNAL (number or name)");
  std::fflush(stdout);
  std::signal(signal_number, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal_number);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  kill(getpid(), signal_number);
  struct timespec pause_time = {0, 200 * 1000 * 1000};
  nanosleep(&pause_time, nullptr);
  std::fprintf(stderr, "payload: kill-self: still alive after SIG%s (pid %d)\n",
               sigabbrev_np(signal_number), getpid());
  return kExitFailed;
}

volatile sig_atomic_t g_caught = 0;
void remember_signal(int signal_number) { g_caught = signal_number; }

// wait-signal [SECONDS]: prints "ready", then "got SIGTERM" on the first TERM/INT/HUP/QUIT/USR1/
// USR2 and exits 0; exits 1 with "timeout" when SECONDS pass first.
int run_wait_signal(std::span<char* const> args) {
  long timeout = 3600;
  if (args.size() > 1 || (args.size() == 1 && !parse_long(args[0], &timeout))) {
    return usage_error("wait-signal", "[SECONDS]");
  }
  static constexpr std::array<int, 6> kSignals = {SIGTERM, SIGINT,  SIGHUP,
                                                  SIGQUIT, SIGUSR1, SIGUSR2};
  struct sigaction action {};
  action.sa_handler = remember_signal;
  for (int signal_number : kSignals) sigaction(signal_number, &action, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  time_t deadline = std::time(nullptr) + timeout;
  while (g_caught == 0 && std::time(nullptr) < deadline) {
    struct timespec step = {0, 20 * 1000 * 1000};
    nanosleep(&step, nullptr);
  }
  if (g_caught == 0) {
    std::printf("timeout\n");
    return kExitFailed;
  }
  std::printf("got SIG%s\n", sigabbrev_np(g_caught));
  return kExitOk;
}

// spawn-zombies N: a child forks N grandchildren that exit at once, then exits itself before
// reaping them, so the zombies are reparented to PID 1 (or a subreaper) which must reap them.
int run_spawn_zombies(std::span<char* const> args) {
  long count = 0;
  if (args.size() != 1 || !parse_long(args[0], &count) || count > 1000) {
    return usage_error("spawn-zombies", "N (at most 1000)");
  }
  std::fflush(stdout);
  pid_t middle = fork();
  if (middle < 0) return report_failure("fork", errno);
  if (middle == 0) {
    for (long i = 0; i < count; ++i) {
      pid_t grandchild = fork();
      if (grandchild == 0) _exit(0);
      if (grandchild < 0) _exit(kExitFailed);
    }
    // Let them all die first so they are zombies at the moment they are orphaned.
    struct timespec settle = {0, 50 * 1000 * 1000};
    nanosleep(&settle, nullptr);
    _exit(kExitOk);
  }
  int status = 0;
  if (waitpid(middle, &status, 0) < 0) return report_failure("waitpid", errno);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return report_failure("spawn-zombies: fork in child", EAGAIN);
  }
  std::printf("orphaned %ld zombies\n", count);
  return kExitOk;
}

constexpr std::array<CommandEntry, 5> kCommands = {{
    {"sleep", "SECONDS", run_sleep},
    {"exit", "STATUS", run_exit},
    {"kill-self", "SIGNAL (TERM, SIGKILL, 9...)", run_kill_self},
    {"wait-signal", "[SECONDS] (ready; got SIGxxx; exit 0)", run_wait_signal},
    {"spawn-zombies", "N (orphans N exited children onto PID 1)", run_spawn_zombies},
}};

}  // namespace

std::span<const CommandEntry> process_commands() { return kCommands; }

}  // namespace sbx::payload
