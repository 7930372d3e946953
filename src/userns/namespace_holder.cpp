#include "sandbox/userns/namespace_holder.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/sync_message.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::userns {
namespace {

// The holder owns nothing of ours: it makes the namespaces, says how that
// went (one SyncMessage, built on its stack: kDone, or kError with unshare's
// errno) and waits to be killed (by us once joined, or by the kernel when we
// die).
[[noreturn]] void hold_namespaces(pid_t parent, int namespaces, int report) noexcept {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != parent) ::_exit(0);  // we died before PDEATHSIG was set
  SyncMessage result = ::unshare(namespaces) < 0
                           ? make_sync_error(errno, "namespace holder", "unshare", nullptr)
                           : make_sync_message(SyncType::kDone);
  if (send_sync(report, result) != 0) ::_exit(1);
  ::close_range(3, ~0U, 0);
  for (;;) ::pause();
}

// Shared with the mapper, which runs on our memory (CLONE_VM | CLONE_VFORK).
struct InsideContext {
  int parent_userns = -1;
  int namespaces = 0;
  int report = -1;
  pid_t parent = -1;
  const std::string* uid_map = nullptr;  // one to one onto the parent's ids
  const std::string* gid_map = nullptr;
  pid_t holder = -1;  // filled by the mapper
  const char* failed = nullptr;
  int error = 0;
};

int inside_failed(InsideContext& c, const char* what, int error) noexcept {
  c.failed = what;
  c.error = error;
  return 1;
}

bool write_map(pid_t pid, const char* file, const std::string& text) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), file);
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int error = errno;
  ::close(fd);
  errno = error;
  return written;
}

// The mapper: enters the parent user namespace (every capability there: our
// uid owns it), clones the holder into a new one inside it as our caller's
// child (CLONE_PARENT), and writes the holder's maps, as only a process in the
// parent namespace may.
int map_holder_inside(void* arg) noexcept {
  auto& c = *static_cast<InsideContext*>(arg);
  if (::setns(c.parent_userns, CLONE_NEWUSER) < 0) return inside_failed(c, "setns", errno);
  long pid =
      ::syscall(SYS_clone, CLONE_NEWUSER | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) hold_namespaces(c.parent, c.namespaces, c.report);
  if (pid < 0) return inside_failed(c, "clone", errno);
  c.holder = static_cast<pid_t>(pid);
  if (!write_map(c.holder, "uid_map", *c.uid_map)) return inside_failed(c, "write uid_map", errno);
  if (!write_map(c.holder, "gid_map", *c.gid_map)) return inside_failed(c, "write gid_map", errno);
  return 0;
}

// "0 0 1\n1 1 65535\n": each of the parent's ranges onto itself.
std::string one_to_one(const std::vector<IdMapEntry>& parent) {
  std::vector<IdMapEntry> same;
  for (const IdMapEntry& e : parent) same.push_back({e.inside, e.inside, e.count});
  return format_proc_map(same);
}

// The holder's report socket, once `namespaces` are known to be holdable.
Result<SyncPair> report_pair(int namespaces) {
  if ((namespaces & ~NamespaceHolder::kHoldable) != 0)
    return fail("namespace holder: namespaces it cannot hold");
  return SBX_TRY_CTX(make_sync_pair(), "namespace holder report");
}

}  // namespace

Status NamespaceHolder::adopt(pid_t pid, UniqueFd report, int namespaces) {
  holder_ = ChildProcess(pid);
  report_ = std::move(report);
  namespaces_ = CLONE_NEWUSER | namespaces;
  pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd_) return fail_errno("pidfd_open", "namespace holder");
  return {};
}

Result<NamespaceHolder> NamespaceHolder::create_inside(int parent_userns, const IdMaps& maps,
                                                       int namespaces) {
  auto [report_read, report_write] = SBX_TRY(report_pair(namespaces));
  std::string uid_map = one_to_one(maps.uids), gid_map = one_to_one(maps.gids);
  InsideContext c{parent_userns, namespaces, report_write.get(), ::getpid(), &uid_map, &gid_map};
  // The holder is forked from the mapper, on its stack: it needs little.
  auto mapped = run_vfork_child(map_holder_inside, &c, 64 << 10);
  ChildProcess made(c.holder);  // killed if anything below fails
  SBX_TRY_CTX(std::move(mapped), "map the namespace holder");
  if (c.failed) return fail_errno(c.failed, "the container's user namespace", c.error);
  NamespaceHolder holder;
  SBX_TRY(holder.adopt(made.release(), std::move(report_read), namespaces));
  return holder;
}

Result<NamespaceHolder> NamespaceHolder::create(const IdMaps& maps, int namespaces) {
  auto [report_read, report_write] = SBX_TRY(report_pair(namespaces));
  pid_t parent = ::getpid();
  // fork-like clone: the child starts in the new user namespace, unmapped but
  // with every capability there, which unshare needs.
  long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid < 0) {
    int error = errno;
    return fail(Error::from_errno("clone", "a new user namespace", error)
                    .with_hint(userns_disabled_hint(error)));
  }
  if (pid == 0) hold_namespaces(parent, namespaces, report_write.get());
  NamespaceHolder holder;
  SBX_TRY(holder.adopt(static_cast<pid_t>(pid), std::move(report_read), namespaces));
  holder.maps_ = SBX_TRY(IdMapWriting::start(static_cast<pid_t>(pid), maps));
  return holder;
}

Status NamespaceHolder::await_ready() {
  if (maps_) {
    Status written = maps_->finish();
    maps_.reset();
    SBX_TRY(std::move(written));
  }
  if (!report_) return {};
  auto received = receive_sync(report_.get());
  report_.reset();
  if (!received || !*received) return fail("the process making the container's namespaces died");
  const SyncMessage& message = (*received)->message;
  if (message.type == SyncType::kDone) return {};
  if (message.type != SyncType::kError)
    return fail("namespace holder: unexpected message " +
                std::to_string(static_cast<uint32_t>(message.type)));
  int result = message.error_number;
  if (result == ENOSPC)
    return fail(Error::from_errno("unshare", "the container's namespaces", result)
                    .with_hint("a per-user namespace limit is reached: see sysctl "
                               "user.max_mnt_namespaces, user.max_net_namespaces, "
                               "user.max_ipc_namespaces and user.max_uts_namespaces"));
  if (result != 0) return fail_errno("unshare", "the container's namespaces", result);
  return {};
}

}  // namespace sbx::userns
