// The parent/child protocol of run_in_user_namespace: SyncMessages
// (sandbox/base/sync_message.hpp) over one SOCK_SEQPACKET socketpair:
//
//   child                                   parent
//   unshare(CLONE_NEWUSER | CLONE_NEWNS)
//   send kWaitingForHost                 -> receive one message
//     (or kFailed, _exit)                   write_id_maps(child)   (newgidmap, newuidmap)
//   receive kHostReady                   <- send kHostReady  (on failure: close, kill, report)
//   setresgid/setgroups/setresuid(0)
//   PR_SET_PDEATHSIG, mounts private
//   body  /  execv
//   send kWarning..., kDone | kFailed    -> receive to EOF (child_report.hpp), waitpid
//     (exec: kDone, execv, kFailed)
//   _exit
//
// The socket is close-on-exec, so after kDone an EOF means the command runs.
#include "sandbox/userns/run_in_userns.hpp"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>

#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/userns/child_report.hpp"
#include "sandbox/userns/host_check.hpp"
#include "sandbox/userns/write_id_maps.hpp"

namespace sbx::userns {
namespace {

using Body = std::function<Status(std::vector<std::string>& warnings)>;

[[noreturn]] void child_fail(int sock, const Error& error) {
  send_sync(sock, make_sync_failure(error));
  ::_exit(1);
}

Error step_error(std::string_view verb, int errno_value) {
  Error error = Error::from_errno(verb, errno_value);
  std::string hint = userns_hint_for(errno_value, read_userns_sysctls());
  if (hint.empty()) return error;
  return Error(std::move(error).with_hint(std::move(hint)));
}

// Becomes root of the new namespace once the parent wrote the maps.
void enter_namespace(int sock, pid_t parent, const IdMaps& maps) {
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
    child_fail(sock, step_error("unshare(CLONE_NEWUSER|CLONE_NEWNS)", errno));
  send_sync(sock, make_sync_message(SyncType::kWaitingForHost));
  SyncMessage go;
  if (receive_sync_raw(sock, go) != 0 || go.type != SyncType::kHostReady)
    ::_exit(1);  // the parent failed and reports why
  // A keep-id map without ranges has no root: stay the user then.
  if (maps.maps_gid(0) && ::setresgid(0, 0, 0) != 0)
    child_fail(sock, step_error("setresgid(0)", errno));
  // Drops the host's supplementary groups; refused (EPERM) after a
  // "deny" in /proc/PID/setgroups, which single-id maps need.
  if (::setgroups(0, nullptr) != 0 && errno != EPERM)
    child_fail(sock, step_error("setgroups", errno));
  if (maps.maps_uid(0) && ::setresuid(0, 0, 0) != 0)
    child_fail(sock, step_error("setresuid(0)", errno));
  // Set after the uid change, which clears it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    child_fail(sock, step_error("mount(/, MS_REC|MS_PRIVATE)", errno));
}

[[noreturn]] void run_body(int sock, const Body& body) {
  std::vector<std::string> warnings;
  Status status;
  try {
    status = body(warnings);
  } catch (const std::exception& e) {
    status = fail(std::string("uncaught exception in user namespace: ") + e.what());
  } catch (...) {
    status = fail("uncaught exception in user namespace");
  }
  for (const auto& warning : warnings) send_sync(sock, make_sync_warning(warning));
  send_sync(sock, status ? make_sync_message(SyncType::kDone) : make_sync_failure(status.error()));
  ::_exit(status ? 0 : 1);
}

[[noreturn]] void run_exec(int sock, const std::string& program,
                           const std::vector<std::string>& argv) {
  std::vector<char*> args = c_string_array(argv);
  send_sync(sock, make_sync_message(SyncType::kDone));
  ::execv(program.c_str(), args.data());
  int err = errno;
  send_sync(sock, make_sync_failure(Error::from_errno("exec", program, err)));
  ::_exit(err == ENOENT ? 127 : 126);
}

// Ignores SIGINT and SIGQUIT while an interactive command runs, as system(3).
class IgnoreInterrupts {
 public:
  IgnoreInterrupts() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGINT, &ignore, &old_int_);
    ::sigaction(SIGQUIT, &ignore, &old_quit_);
  }
  ~IgnoreInterrupts() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGQUIT, &old_quit_, nullptr);
  }
  IgnoreInterrupts(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
};

struct Finished {
  ChildReport report;
  int wait_status = 0;
};

// Forks the child (which never returns), maps it, and collects its report.
template <class ChildFn>
Result<Finished> spawn_and_collect(const IdMaps& maps, bool ignore_interrupts, ChildFn&& child_fn) {
  auto [parent_end, child_end] = SBX_TRY(make_sync_pair());
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return fail(Error::from_errno("fork"));
  if (pid == 0) {
    parent_end.reset();
    enter_namespace(child_end.get(), parent, maps);
    child_fn(child_end.get());  // never returns
    ::_exit(1);
  }
  ChildProcess child(pid);
  std::optional<IgnoreInterrupts> ignoring;
  if (ignore_interrupts) ignoring.emplace();
  child_end.reset();

  Finished finished;
  std::optional<Received> first = SBX_TRY(receive_sync(parent_end.get()));
  if (first && first->message.type == SyncType::kWaitingForHost) {
    SBX_TRY(write_id_maps(pid, maps));
    send_sync(parent_end.get(), make_sync_message(SyncType::kHostReady));
  } else if (first) {
    SBX_TRY(add_to_report(finished.report, first->message));  // it failed before unsharing
  }
  while (first) {  // to EOF
    std::optional<Received> next = SBX_TRY(receive_sync(parent_end.get()));
    if (!next) break;
    SBX_TRY(add_to_report(finished.report, next->message));
  }
  finished.wait_status = SBX_TRY(child.wait());
  return finished;
}

}  // namespace

Result<UsernsOutcome> run_in_user_namespace(const IdMaps& maps, const Body& body) {
  Finished finished = SBX_TRY_CTX(
      spawn_and_collect(maps, false, [&](int sock) { run_body(sock, body); }), "user namespace");
  if (finished.report.error) return fail(std::move(*finished.report.error));
  if (!finished.report.done || !WIFEXITED(finished.wait_status))
    return fail("user namespace child " + describe_wait_status(finished.wait_status) +
                " before reporting");
  return UsernsOutcome{std::move(finished.report.warnings)};
}

Result<ExecOutcome> exec_in_user_namespace(const IdMaps& maps,
                                           const std::vector<std::string>& argv) {
  if (argv.empty()) return fail("exec in user namespace: no command");
  // Searched here: an unreadable PATH entry must not turn "not found" into EACCES.
  std::string program = argv[0];
  if (program.find('/') == std::string::npos) {
    auto found = find_program(program);
    if (!found) return ExecOutcome{0, Error(program + ": command not found", ENOENT)};
    program = *found;
  }
  Finished finished =
      SBX_TRY_CTX(spawn_and_collect(maps, true, [&](int sock) { run_exec(sock, program, argv); }),
                  "user namespace");
  ExecOutcome outcome{finished.wait_status, std::nullopt};
  if (finished.report.error && finished.report.done) {
    outcome.cannot_run = std::move(finished.report.error);  // execv itself failed
    return outcome;
  }
  if (finished.report.error) return fail(std::move(*finished.report.error));
  if (!finished.report.done)
    return fail("user namespace child " + describe_wait_status(finished.wait_status) +
                " before running " + argv[0]);
  return outcome;
}

std::string userns_disabled_hint(int errno_value) {
  return userns_hint_for(errno_value, read_userns_sysctls());
}

}  // namespace sbx::userns
