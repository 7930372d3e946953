// Signals to a container's PID 1 and waiting for its end: kill, stop, wait.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <thread>

#include "sandbox/containers/events.hpp"
#include "sandbox/containers/lifecycle.hpp"

namespace sbx::containers {
namespace {

using namespace std::chrono_literals;

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS}};

// The container's PID 1 while it runs (pid reuse safe), else nothing.
std::optional<pid_t> running_pid(const ContainerInfo& info) {
  if (info.status != ContainerStatus::kRunning || !info.runtime) return std::nullopt;
  return info.runtime->pid;
}

// Waits until `pid` (started at `start_time`) is gone; false on timeout.
bool wait_gone(pid_t pid, uint64_t start_time, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_alive(pid, start_time)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace

Result<int> parse_signal(std::string_view text) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.starts_with("SIG")) upper.erase(0, 3);
  if (!upper.empty() && std::ranges::all_of(upper, [](char c) { return std::isdigit(c); })) {
    int number = std::stoi(upper.substr(0, 4));
    if (number >= 1 && number <= 64) return number;
  }
  for (const auto& s : kSignals)
    if (upper == s.name) return s.number;
  if (upper.starts_with("RTMIN")) {
    int offset = upper.size() > 6 && upper[5] == '+' ? std::atoi(upper.c_str() + 6) : 0;
    if (SIGRTMIN + offset <= SIGRTMAX) return SIGRTMIN + offset;
  }
  return fail("invalid signal: " + std::string(text));
}

Status kill_container(const Containers& containers, const std::string& id, int signal) {
  auto lock = SBX_TRY(containers.lock(id));
  auto info = SBX_TRY(containers.info(id));
  auto pid = running_pid(info);
  if (!pid)
    return fail(Error("container " + info.name + " is not running")
                    .with_hint("start it first: sandbox start " + info.name));
  SBX_TRY(mark_stopped_by_user(containers, id, info.spec));
  if (::kill(*pid, signal) != 0) return fail_errno("kill", "container " + info.name);
  record_container_event(containers, info, "kill", {{"signal", std::to_string(signal)}});
  return {};
}

Status stop_container(const Containers& containers, const std::string& id,
                      std::optional<std::chrono::milliseconds> timeout) {
  {
    auto lock = SBX_TRY(containers.lock(id));
    auto info = SBX_TRY(containers.info(id));
    SBX_TRY(mark_stopped_by_user(containers, id, info.spec));  // before its end is seen
    auto pid = running_pid(info);
    if (!pid) return {};  // docker: stopping a stopped container succeeds
    int signal = SIGTERM;
    if (!info.spec.stop_signal.empty())
      signal = parse_signal(info.spec.stop_signal).value_or(SIGTERM);
    uint64_t start = info.runtime->pid_start_time;
    if (::kill(*pid, signal) != 0 && errno != ESRCH)
      return fail_errno("kill", "container " + info.name);
    auto grace = timeout.value_or(
        std::chrono::seconds(info.spec.stop_timeout >= 0 ? info.spec.stop_timeout : 10));
    if (!wait_gone(*pid, start, grace)) {
      ::kill(*pid, SIGKILL);
      wait_gone(*pid, start, 10s);
    }
  }
  // Its end is recorded by the monitor (it needs the lock we just let go).
  SBX_TRY_CTX(wait_container(containers, id), "stop");
  record_container_event(containers, id, "stop");  // after the monitor's "die", as docker
  return {};
}

Result<int> wait_container(const Containers& containers, const std::string& id) {
  for (;;) {
    auto info = containers.info(id);
    if (!info) return fail(std::move(info).error());
    bool watcher_alive = info->runtime && process_alive(info->runtime->monitor_pid,
                                                        info->runtime->monitor_start_time);
    switch (info->status) {
      case ContainerStatus::kExited:
        return info->exit->exit_code;
      case ContainerStatus::kUnknown:
        if (!watcher_alive) return -1;  // nobody will record the end any more
        break;
      case ContainerStatus::kCreated:
      case ContainerStatus::kRunning:
        break;
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace sbx::containers
