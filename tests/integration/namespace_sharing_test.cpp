// --pid and --ipc: containers that share another running container's pid or
// IPC namespace (and its /dev/shm), the host's, and the values refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

// How many of our processes have exactly this command line (NUL-separated).
int processes_running(const std::string& cmdline) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream in(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    n += text == cmdline;
  }
  return n;
}

class NamespaceSharingTest : public LifecycleTest {
 protected:
  // The target of /proc/self/ns/KIND as the payload's `stat` prints it inside
  // a container run with `flags` ("ipc:[4026531839]").
  std::string ns_in_run(const std::vector<std::string>& flags, const std::string& kind) {
    std::vector<std::string> all{"--network", "none"};
    all.insert(all.end(), flags.begin(), flags.end());
    auto r = payload_run({"stat", "/proc/self/ns/" + kind}, all);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return ns_target(r.out);
  }

  // The same for a process of a running container (exec).
  std::string ns_in_exec(const std::string& container, const std::string& kind) {
    auto r = sandbox({"exec", container, "payload", "stat", "/proc/self/ns/" + kind});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return ns_target(r.out);
  }

  static std::string ns_target(const std::string& stat_line) {
    auto at = stat_line.find("target=");
    if (at == std::string::npos) return "";
    auto end = stat_line.find_first_of(" \n", at);
    return stat_line.substr(at + 7, end == std::string::npos ? end : end - at - 7);
  }

  // `run` that must fail with 125 and say `message` on stderr.
  void expect_refused(const std::vector<std::string>& flags, const std::string& message) {
    std::vector<std::string> all{"--network", "none"};
    all.insert(all.end(), flags.begin(), flags.end());
    auto r = payload_run({"exit", "0"}, all);
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_NE(r.err.find(message), std::string::npos) << r.describe();
  }
};

// A host process the test owns: `sleep` with an argument no one else uses.
struct HostSleep {
  pid_t pid = -1;
  explicit HostSleep(const std::string& seconds) {
    pid = ::fork();
    if (pid == 0) {
      ::execlp("sleep", "sleep", seconds.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~HostSleep() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

TEST_F(NamespaceSharingTest, PidContainerSeesTheOtherContainersProcesses) {
  std::string a = run_detached({"--name", "pid-target"}, {"payload", "sleep", "300"});
  ASSERT_FALSE(a.empty());
  auto own = payload_run({"pids"}, {"--network", "none"});
  ASSERT_EQ(own.exit_code, 0) << own.describe();
  EXPECT_EQ(lines(own.out).size(), 2u) << own.out;  // its init and pids itself

  auto shared = payload_run({"pids"}, {"--network", "none", "--pid", "container:pid-target"});
  ASSERT_EQ(shared.exit_code, 0) << shared.describe();
  // pid-target's init (PID 1) and its sleep, and this container's init and pids.
  EXPECT_GE(lines(shared.out).size(), 4u) << shared.out;
  EXPECT_NE(shared.out.find("1 S "), std::string::npos) << shared.out;
  EXPECT_EQ(ns_in_run({"--pid", "container:" + a}, "pid"), ns_in_exec("pid-target", "pid"));

  std::string b = run_detached({"--name", "pid-joiner", "--pid", "container:pid-target"},
                               {"payload", "sleep", "300"});
  ASSERT_FALSE(b.empty());
  auto j = inspect("pid-joiner");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["HostConfig"]["PidMode"], "container:pid-target");
  EXPECT_EQ(j["HostConfig"]["IpcMode"], "shareable");
  // The target's own processes see the joiner's too.
  auto seen = sandbox({"exec", "pid-target", "payload", "pids"});
  ASSERT_EQ(seen.exit_code, 0) << seen.describe();
  EXPECT_GE(lines(seen.out).size(), 5u) << seen.out;

  // When the target stops, the kernel ends every process of its pid namespace.
  auto kill = sandbox({"kill", "pid-target"});
  ASSERT_EQ(kill.exit_code, 0) << kill.describe();
  EXPECT_TRUE(eventually([&] { return status_of("pid-joiner") == "exited"; }))
      << status_of("pid-joiner");
}

TEST_F(NamespaceSharingTest, IpcContainerSharesTheNamespaceAndDevShm) {
  run_detached({"--name", "ipc-target"}, {"payload", "sleep", "300"});
  auto w = sandbox({"exec", "ipc-target", "payload", "write", "/dev/shm/marker", "from-target"});
  ASSERT_EQ(w.exit_code, 0) << w.describe();

  auto r = payload_run({"read", "/dev/shm/marker"},
                       {"--network", "none", "--ipc", "container:ipc-target"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "from-target");
  EXPECT_EQ(ns_in_run({"--ipc", "container:ipc-target"}, "ipc"), ns_in_exec("ipc-target", "ipc"));
  // A container of its own has neither.
  EXPECT_NE(ns_in_run({}, "ipc"), ns_in_exec("ipc-target", "ipc"));
  auto own = payload_run({"read", "/dev/shm/marker"}, {"--network", "none"});
  EXPECT_NE(own.exit_code, 0) << own.describe();

  // The other way: what the joiner writes, the target reads.
  auto back = payload_run({"write", "/dev/shm/back", "from-joiner"},
                          {"--network", "none", "--ipc", "container:ipc-target"});
  EXPECT_EQ(back.exit_code, 0) << back.describe();
  auto read_back = sandbox({"exec", "ipc-target", "payload", "read", "/dev/shm/back"});
  EXPECT_EQ(read_back.out, "from-joiner") << read_back.describe();

  run_detached({"--name", "ipc-joiner", "--ipc", "container:ipc-target"},
               {"payload", "sleep", "300"});
  auto j = inspect("ipc-joiner");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["HostConfig"]["IpcMode"], "container:ipc-target");
  EXPECT_EQ(j["HostConfig"]["PidMode"], "");
}

TEST_F(NamespaceSharingTest, PidAndIpcOfOneContainerTogether) {
  run_detached({"--name", "both-target"}, {"payload", "sleep", "300"});
  auto w = sandbox({"exec", "both-target", "payload", "write", "/dev/shm/both", "yes"});
  ASSERT_EQ(w.exit_code, 0) << w.describe();
  auto r = payload_run(
      {"read", "/dev/shm/both"},
      {"--network", "none", "--pid", "container:both-target", "--ipc", "container:both-target"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "yes");
}

TEST_F(NamespaceSharingTest, HostPidSeesHostProcessesButNotMaskedPaths) {
  HostSleep host("4242.4217");
  ASSERT_GT(host.pid, 0);
  std::string cmdline = "/proc/" + std::to_string(host.pid) + "/cmdline";
  // The process list is the host's: the test's own sleep is there.
  EXPECT_TRUE(eventually([&] {
    auto r = payload_run({"read", cmdline}, {"--network", "none", "--pid", "host"});
    return r.exit_code == 0 && r.out == std::string("sleep\0004242.4217\0", 16);
  }));
  char self_ns[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/pid", self_ns, sizeof self_ns - 1), 0);
  EXPECT_EQ(ns_in_run({"--pid", "host"}, "pid"), self_ns);

  // Still masked (/dev/null over what the host has of the masked paths) and
  // /proc/sys read-only.
  int masked = 0;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list"}) {
    if (!std::filesystem::exists(path)) continue;
    ++masked;
    auto r = payload_run({"stat", path}, {"--network", "none", "--pid", "host"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("rdev=1:3"), std::string::npos) << r.out;
  }
  EXPECT_GT(masked, 0) << "the host has none of the masked paths checked";
  auto sys = payload_run({"write", "/proc/sys/kernel/hostname", "x"},
                         {"--network", "none", "--pid", "host"});
  EXPECT_NE(sys.exit_code, 0) << sys.describe();

  // Seccomp and capabilities still apply.
  auto probe = payload_run({"seccomp-probe", "keyctl"}, {"--network", "none", "--pid", "host"});
  EXPECT_NE(probe.out.find("keyctl: EPERM"), std::string::npos) << probe.describe();
  auto j = [&] {
    run_detached({"--name", "host-pid", "--pid", "host"}, {"payload", "sleep", "297"});
    return inspect("host-pid");
  }();
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["HostConfig"]["PidMode"], "host");
  auto exec = sandbox({"exec", "host-pid", "payload", "id"});
  EXPECT_EQ(exec.exit_code, 0) << exec.describe();

  // rm -f ends the command too: without a pid namespace of its own, the end
  // of its init does not take the command along unless init makes it so.
  std::string command = std::string("payload") + '\0' + "sleep" + '\0' + "297" + '\0';
  ASSERT_TRUE(eventually([&] { return processes_running(command) == 1; }));
  EXPECT_EQ(sandbox({"rm", "-f", "host-pid"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return processes_running(command) == 0; }))
      << "the command of a removed --pid host container still runs";

  // What the command leaves running goes with its end, as under a PID 1.
  auto left = run({"--network", "none", "--pid", "host"}, payload(),
                  {"sh", "-c", "payload sleep 296 & exit 0"});
  EXPECT_EQ(left.exit_code, 0) << left.describe();
  std::string orphan = std::string("payload") + '\0' + "sleep" + '\0' + "296" + '\0';
  EXPECT_TRUE(eventually([&] { return processes_running(orphan) == 0; }))
      << "a process the command of a --pid host container left outlives it";
}

TEST_F(NamespaceSharingTest, HostAndNoneIpc) {
  char self_ns[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/ipc", self_ns, sizeof self_ns - 1), 0);
  EXPECT_EQ(ns_in_run({"--ipc", "host"}, "ipc"), self_ns);
  EXPECT_NE(ns_in_run({"--ipc", "private"}, "ipc"), self_ns);
  // none: an IPC namespace of its own without /dev/shm (podman's).
  auto none = payload_run({"mounts"}, {"--network", "none", "--ipc", "none"});
  ASSERT_EQ(none.exit_code, 0) << none.describe();
  EXPECT_EQ(none.out.find(" /dev/shm "), std::string::npos) << none.out;
  auto shm = payload_run({"mounts"}, {"--network", "none"});
  EXPECT_NE(shm.out.find(" /dev/shm "), std::string::npos) << shm.out;
}

TEST_F(NamespaceSharingTest, BadValuesAreRefused) {
  expect_refused({"--pid", "bogus"}, "invalid --pid 'bogus'");
  expect_refused({"--ipc", "bogus"}, "invalid --ipc 'bogus'");
  expect_refused({"--pid", "container:"}, "no container named");
  expect_refused({"--pid", "container:no-such-one"}, "no such container");
  expect_refused({"--ipc", "host", "--sysctl", "kernel.shmmax=1000"}, "no IPC namespace");

  auto created = sandbox({"create", "--name", "not-started", "--network", "none", payload(),
                          "payload", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  expect_refused({"--pid", "container:not-started"}, "container not-started is not running");

  run_detached({"--name", "private-ipc", "--ipc", "private"}, {"payload", "sleep", "300"});
  expect_refused({"--ipc", "container:private-ipc"}, "has a private IPC namespace");
  run_detached({"--name", "on-host-pid", "--pid", "host"}, {"payload", "sleep", "300"});
  expect_refused({"--pid", "container:on-host-pid"}, "has no namespace of its own");
  run_detached({"--name", "keep-id", "--userns", "keep-id"}, {"payload", "sleep", "300"});
  expect_refused({"--pid", "container:keep-id"}, "runs with another --userns");
}

}  // namespace
}  // namespace sbx::it
