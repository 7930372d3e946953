// Restart policies without a daemon. Whoever watched the container records
// its end, then calls apply_restart_policy: the monitor's `container
// cleanup` (the monitor exec'd it, so this process is the old monitor), or a
// foreground run (in a detached child, so that run returns). It waits out
// docker's back-off and starts the container with start's code; the new
// launcher becomes the new monitor, and this process ends. stop, kill and
// rm record the user's stop under the container's lock and SIGTERM a
// waiting restart (containers/restart.cpp).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/launch/start.hpp"
#include "sandbox/store/records.hpp"

namespace sbx::launch {
namespace {

std::chrono::milliseconds ran_for(const containers::ContainerInfo& info) {
  if (!info.exit || info.started_at.empty()) return {};
  int64_t seconds =
      store::parse_rfc3339(info.exit->finished_at) - store::parse_rfc3339(info.started_at);
  return std::chrono::seconds(std::max<int64_t>(seconds, 0));
}

}  // namespace

Status apply_restart_policy(const containers::Containers& containers, const std::string& id,
                            int exit_code) {
  std::chrono::milliseconds delay{};
  {
    auto lock = SBX_TRY(containers.lock(id));
    if (!path_exists(containers.store_dir(id) / "config.json")) return {};  // removed
    auto info = SBX_TRY(containers.info(id));
    if (!info.spec.restart.restarts() || info.status == containers::ContainerStatus::kRunning)
      return {};
    auto wait =
        containers::restart_delay(info.spec.restart, info.restart, exit_code, ran_for(info));
    if (!wait) return {};
    auto record = info.restart;
    record.backoff_ms = wait->count();
    SBX_TRY(containers::write_restart_record(containers, id, record));
    SBX_TRY(containers::record_pending_restart(containers, id));
    delay = *wait;
  }
  std::this_thread::sleep_for(delay);  // stop, kill and rm end it (SIGTERM)
  return with_context(restart_by_policy(containers, id), "restart policy");
}

Status reset_restart_policy(const containers::Containers& containers, const std::string& id,
                            const containers::ContainerInfo& info) {
  if (!info.spec.restart.restarts()) return {};
  containers::end_pending_restart(containers, id);
  if (info.restart == containers::RestartRecord{}) return {};
  return containers::write_restart_record(containers, id, {});
}

void restart_in_background(const containers::Containers& containers, const std::string& id,
                           int exit_code) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return;  // the caller goes on (a failed fork: no restart)
  ::setsid();
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_UNBLOCK, &all, nullptr);  // the run blocked them; stop's SIGTERM ends us
  ::signal(SIGTERM, SIG_DFL);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && null >= 0; ++fd) ::dup2(null, fd);
  Status done = apply_restart_policy(containers, id, exit_code);
  ::_exit(done ? 0 : 1);
}

}  // namespace sbx::launch
