#include "pause_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/userns/write_id_maps.hpp"
#include "sealed_memfd.hpp"
#include "spawn.hpp"

namespace sbx::launch {
namespace {

namespace fs = std::filesystem;

// Names the pause process of one mapping (keep-id maps differently).
std::string maps_key(const userns::IdMaps& maps) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c :
       userns::format_proc_map(maps.uids) + "|" + userns::format_proc_map(maps.gids)) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char key[17];
  std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(hash));
  return key;
}

// /proc/<pid>/uid_map (or gid_map) as the entries it holds.
std::vector<userns::IdMapEntry> read_proc_map(pid_t pid, const char* file) {
  std::vector<userns::IdMapEntry> entries;
  auto text = read_file("/proc/" + std::to_string(pid) + "/" + file);
  if (!text) return entries;
  std::istringstream lines(*text);
  userns::IdMapEntry e;
  while (lines >> e.inside >> e.outside >> e.count) entries.push_back(e);
  return entries;
}

// The live pause process recorded in `pidfile`, if it holds `maps`.
std::optional<UniqueFd> join_recorded(const fs::path& pidfile, const userns::IdMaps& maps) {
  auto text = read_file(pidfile);
  if (!text) return std::nullopt;
  pid_t pid = 0;
  unsigned long long start = 0;
  if (std::sscanf(text->c_str(), "%d %llu", &pid, &start) != 2 || pid <= 0) return std::nullopt;
  if (!containers::process_alive(pid, start)) return std::nullopt;
  // Opened first: the namespace checked below is the one we keep.
  UniqueFd ns(::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns || !containers::process_alive(pid, start)) return std::nullopt;
  if (read_proc_map(pid, "uid_map") != maps.uids || read_proc_map(pid, "gid_map") != maps.gids)
    return std::nullopt;
  return ns;
}

// A child in a new user namespace, its own session, mapped by the helpers,
// that then execs the init binary with --pause. Not ours to reap: it outlives
// us on purpose.
Result<pid_t> start_pause(const userns::IdMaps& maps) {
  UniqueFd program = SBX_TRY(detail::make_sealed_memfd("sandbox-pause", "pause", embedded_init()));
  // The go-ahead once the maps are written: kHostReady, or EOF when we give up.
  auto [go_write, go_read] = SBX_TRY(make_sync_pair());
  long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid < 0) return fail_errno("clone", "a new user namespace");
  if (pid == 0) {
    // It outlives us: nothing of ours stays open in it (a `$(sandbox run ...)`
    // must see EOF), no directory stays busy, no signal from our terminal.
    ::setsid();
    ::close(go_write.get());
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (::chdir("/") < 0) ::_exit(1);
    SyncMessage go;
    if (receive_sync_raw(go_read.get(), go) < 0 || go.type != SyncType::kHostReady)
      ::_exit(1);  // our parent gave up
    const char* argv[] = {"sandbox-pause", "--pause", nullptr};
    const char* envp[] = {nullptr};
    ::syscall(SYS_execveat, program.get(), "", argv, envp, AT_EMPTY_PATH);
    ::_exit(127);
  }
  ChildProcess child(static_cast<pid_t>(pid));
  go_read.reset();
  SBX_TRY(userns::write_id_maps(static_cast<pid_t>(pid), maps));
  if (int rc = send_sync(go_write.get(), make_sync_message(SyncType::kHostReady)); rc < 0)
    return fail_errno("sendmsg", "pause process", -rc);
  return child.release();
}

}  // namespace

Result<UniqueFd> parent_user_namespace(const userns::IdMaps& maps) {
  fs::path dir = SBX_TRY(runtime_root());
  fs::path pidfile = dir / ("pause-" + maps_key(maps) + ".pid");
  if (auto ns = join_recorded(pidfile, maps)) return std::move(*ns);
  auto lock = SBX_TRY(FileLock::acquire(dir / "pause.lock", FileLock::Mode::kExclusive));
  if (auto ns = join_recorded(pidfile, maps)) return std::move(*ns);  // another run made one
  pid_t pid = SBX_TRY(start_pause(maps));
  std::string record =
      std::to_string(pid) + " " + std::to_string(containers::process_start_time(pid)) + "\n";
  SBX_TRY(write_file_atomic(pidfile, record, 0600, Durability::kVolatile));
  if (auto ns = join_recorded(pidfile, maps)) return std::move(*ns);
  return fail("the pause process " + std::to_string(pid) + " did not keep its user namespace");
}

}  // namespace sbx::launch
