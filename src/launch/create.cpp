// create_container: the user namespace (made and mapped ahead by a holder, or
// none), the namespaces joined by path, spawn, the host side, the start gate.
#include "sandbox/launch/create.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "sandbox/base/files.hpp"
#include "sandbox/userns/namespace_holder.hpp"
#include "spawn.hpp"
#include "supervise.hpp"

namespace sbx::launch {
namespace {

struct OpenNamespaces {
  std::vector<UniqueFd> fds;
  SpawnOptions options;
};

Result<OpenNamespaces> open_namespace_paths(const CreateRequest& request) {
  OpenNamespaces open;
  for (const auto& [path, type] : request.join_paths) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail_errno("open namespace", path);
    open.options.join_fds.emplace_back(fd.get(), type);
    open.fds.push_back(std::move(fd));
  }
  return open;
}

// A FIFO held open read-write by the child: its read blocks until `start`
// writes, and `start`'s non-blocking open succeeds only while it is held.
Result<UniqueFd> make_start_gate(const std::filesystem::path& gate) {
  if (::mkfifo(gate.c_str(), 0600) < 0) return fail_errno("mkfifo", gate.string());
  UniqueFd fd(::open(gate.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return fail_errno("open", gate.string());
  return fd;
}

}  // namespace

Result<CreatedContainer> create_container(const LaunchPlan& plan, const CreateRequest& request) {
  auto open = SBX_TRY(open_namespace_paths(request));
  int joined = 0;
  for (const auto& [path, type] : request.join_paths) joined |= type;
  // A new user namespace is made and mapped (newuidmap, or directly) by a
  // holder, with the namespaces it can hold; the child joins them.
  std::optional<userns::NamespaceHolder> holder;
  NamespacesToJoin ahead;
  if ((plan.namespaces & CLONE_NEWUSER) && !(joined & CLONE_NEWUSER)) {
    int held = plan.namespaces & userns::NamespaceHolder::kHoldable & ~joined;
    holder = SBX_TRY_CTX(userns::NamespaceHolder::create(plan.id_maps, held), "user namespace");
    SBX_TRY_CTX(holder->await_ready(), "user namespace");
    ahead = {holder->pidfd(), holder->namespaces()};
  }
  UniqueFd gate = SBX_TRY(make_start_gate(request.start_gate));
  open.options.preserve_fds = request.preserve_fds;
  open.options.start_gate_fd = gate.get();
  auto process = SBX_TRY(ContainerProcess::spawn(plan, embedded_init(), ahead, open.options));
  if (holder) holder->release();
  gate.reset();  // the child holds it now
  SBX_TRY(process.await_host_wait());
  CreatedContainer created{process.pid(), process.take_pty_master()};
  if (request.host_side) SBX_TRY(request.host_side(process.pid()));
  SBX_TRY(process.release_and_await_created());
  process.child().release();  // it outlives us, waiting at the gate
  return created;
}

Status open_start_gate(const std::filesystem::path& gate) {
  UniqueFd fd(::open(gate.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENXIO) return fail("the container process is gone: nothing waits to start");
    return fail_errno("open", gate.string());
  }
  char go = '0';
  if (::write(fd.get(), &go, 1) != 1) return fail_errno("write", gate.string());
  if (::unlink(gate.c_str()) < 0 && errno != ENOENT) return fail_errno("unlink", gate.string());
  return {};
}

Result<int> start_and_watch(const std::filesystem::path& gate, pid_t pid, UniqueFd pty_master,
                            const std::function<Status()>& after_start) {
  detail::BlockedSignals signals;
  ChildProcess child(pid);
  SBX_TRY(open_start_gate(gate));
  if (after_start) SBX_TRY(after_start());
  bool terminal = static_cast<bool>(pty_master);
  return detail::supervise(child, signals, std::move(pty_master), terminal);
}

}  // namespace sbx::launch
