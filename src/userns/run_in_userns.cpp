// The parent/child protocol of run_in_user_namespace, over one SOCK_STREAM
// socketpair:
//
//   child                                   parent
//   unshare(CLONE_NEWUSER | CLONE_NEWNS)
//   send 'U'  (or an 'E' record, _exit)  -> read one byte
//                                           write_id_maps(child)   (newgidmap, newuidmap)
//   read one byte                        <- send 'G'  (on failure: close, kill, report)
//   setresgid/setgroups/setresuid(0)
//   PR_SET_PDEATHSIG, mounts private
//   body  /  execvp
//   send records (child_report.hpp)      -> read to EOF, waitpid, decode
//   _exit
//
// The socket is close-on-exec, so after 'X' an EOF means the command runs.
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
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/userns/child_report.hpp"
#include "sandbox/userns/host_check.hpp"
#include "sandbox/userns/write_id_maps.hpp"

namespace sbx::userns {
namespace {

constexpr char kUnshared = 'U';
constexpr char kGo = 'G';

using Body = std::function<Status(std::vector<std::string>& warnings)>;

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

[[noreturn]] void child_fail(int sock, Error error) {
  send_all(sock, encode_error(error));
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
  send_all(sock, std::string_view(&kUnshared, 1));
  char go = 0;
  while (::read(sock, &go, 1) < 0 && errno == EINTR) {
  }
  if (go != kGo) ::_exit(1);  // the parent failed and reports why
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
  try {
    std::string report;
    for (const auto& warning : warnings) report += encode_warning(warning);
    report += status ? encode_done() : encode_error(status.error());
    send_all(sock, report);
  } catch (...) {
    ::_exit(2);
  }
  ::_exit(status ? 0 : 1);
}

[[noreturn]] void run_exec(int sock, const std::string& program,
                           const std::vector<std::string>& argv) {
  std::vector<char*> args = c_string_array(argv);
  send_all(sock, encode_exec());
  ::execv(program.c_str(), args.data());
  int err = errno;
  send_all(sock, encode_error(Error::from_errno("exec", program, err)));
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

std::string read_to_eof(int fd) {
  std::string data;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.append(buffer, static_cast<size_t>(n));
  }
}

struct Finished {
  ChildReport report;
  int wait_status = 0;
};

// Forks the child (which never returns), maps it, and collects its report.
template <class ChildFn>
Result<Finished> spawn_and_collect(const IdMaps& maps, bool ignore_interrupts, ChildFn&& child_fn) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return fail(Error::from_errno("socketpair"));
  UniqueFd parent_end(fds[0]), child_end(fds[1]);
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

  char first = 0;
  ssize_t n;
  while ((n = ::read(parent_end.get(), &first, 1)) < 0 && errno == EINTR) {
  }
  std::string bytes;
  if (n == 1 && first == kUnshared) {
    SBX_TRY(write_id_maps(pid, maps));
    send_all(parent_end.get(), std::string_view(&kGo, 1));
  } else if (n == 1) {
    bytes.push_back(first);  // the child failed before unsharing: a report follows
  }
  bytes += read_to_eof(parent_end.get());
  Finished finished;
  finished.wait_status = SBX_TRY(child.wait());
  finished.report = SBX_TRY(decode_child_report(bytes));
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
  if (finished.report.error && finished.report.exec_sent) {
    outcome.cannot_run = std::move(finished.report.error);  // execv itself failed
    return outcome;
  }
  if (finished.report.error) return fail(std::move(*finished.report.error));
  if (!finished.report.exec_sent)
    return fail("user namespace child " + describe_wait_status(finished.wait_status) +
                " before running " + argv[0]);
  return outcome;
}

std::string userns_disabled_hint(int errno_value) {
  return userns_hint_for(errno_value, read_userns_sysctls());
}

}  // namespace sbx::userns
