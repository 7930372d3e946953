// The parent's side of exec (protocol in exec_spawn.hpp): prepare every
// buffer, fork the joiner, learn the command's pid, release it, await execve.
#include "exec_spawn.hpp"

#include "child/child.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "sandbox/base/strings.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sealed_memfd.hpp"
#include "spawn.hpp"

namespace sbx::launch::detail {
namespace {

Error joiner_failed(ChildProcess& joiner) {
  auto status = joiner.wait();
  std::string how = status ? describe_wait_status(*status) : status.error().message();
  return Error("the process joining the container " + how);
}

// The joiner's one message: the command's pid, or why it could not get there.
Result<pid_t> await_command_pid(int sync, ChildProcess& joiner) {
  auto received = SBX_TRY(receive_sync(sync));
  if (!received) return fail(joiner_failed(joiner));
  if (received->message.type == SyncType::kError) {
    (void)joiner.wait();
    return fail(sync_error_to_error(received->message));
  }
  if (received->message.type != SyncType::kExecPid || received->message.error_number <= 0)
    return fail("sync socket: unexpected message from the process joining the container");
  SBX_TRY_CTX(joiner.wait(), "join the container");
  return static_cast<pid_t>(received->message.error_number);
}

// init's --exec command line: the sync fd it reports on, execvp's candidates
// (searched by the planner), the command's argv.
std::vector<std::string> init_exec_args(const ExecPlan& plan, int sync_fd) {
  std::vector<std::string> args{"sandbox-init", "--exec", std::to_string(sync_fd), "--"};
  args.insert(args.end(), plan.command_paths.begin(), plan.command_paths.end());
  args.push_back("--");
  args.insert(args.end(), plan.process.args.begin(), plan.process.args.end());
  return args;
}

}  // namespace

Result<ExecProcess> ExecProcess::spawn(const ExecPlan& plan, int container_pidfd) {
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) return fail_errno("open", "/dev/null");
  UniqueFd init_fd = SBX_TRY(detail::make_sealed_memfd("init", "init", embedded_init()));
  auto [parent_end, child_end] = SBX_TRY(make_sync_pair());
  auto init_args = init_exec_args(plan, child_end.get());
  auto init_argv = c_string_array(init_args);
  auto envp = c_string_array(plan.process.env);

  ChildContext ctx;
  ctx.process = &plan.process;
  ctx.security = &plan.security;
  ctx.detach = plan.detach && !plan.detach_keeps_stdio;
  ctx.outlive_parent = plan.detach;
  ctx.init_reports_exec = true;
  ctx.sync_fd = child_end.get();
  ctx.join_pidfd = container_pidfd;
  ctx.join_namespaces = plan.namespaces;
  ctx.join_time_fd = plan.time_namespace_fd;
  ctx.null_fd = null_fd.get();
  ctx.init_fd = init_fd.get();
  ctx.init_argv = init_argv.data();
  ctx.envp = envp.data();

  pid_t joiner_pid = ::fork();
  if (joiner_pid < 0) return fail_errno("fork", "exec");
  if (joiner_pid == 0) {
    ::close(parent_end.get());
    run_exec_joiner(ctx);
  }
  ChildProcess joiner(joiner_pid);
  child_end.reset();  // EOF from here on means every child's end is closed
  ExecProcess process;
  pid_t pid = SBX_TRY(await_command_pid(parent_end.get(), joiner));
  process.command_ = ChildProcess(pid);
  process.sync_ = std::move(parent_end);
  return process;
}

Result<std::optional<Error>> ExecProcess::release_and_await_exec() {
  if (int rc = send_sync(sync_.get(), make_sync_message(SyncType::kHostReady)); rc < 0)
    return fail(Error::from_errno("sendmsg", "sync socket", -rc));
  for (;;) {
    auto received = SBX_TRY(receive_sync(sync_.get()));
    if (!received) break;  // EOF: execve closed the command's end
    const SyncMessage& m = received->message;
    if (m.type == SyncType::kPtyMaster && received->fd) {
      pty_master_ = std::move(received->fd);
      continue;
    }
    if (m.type != SyncType::kError)
      return fail("sync socket: unexpected message from the exec'd process");
    (void)command_.wait();
    Error error = sync_error_to_error(m);
    if (is_command_exec_failure(m)) return std::optional<Error>(std::move(error));
    return fail(std::move(error));
  }
  sync_.reset();
  return std::nullopt;
}

}  // namespace sbx::launch::detail
