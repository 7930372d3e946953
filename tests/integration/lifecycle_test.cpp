// Detached containers and their lifecycle as the unprivileged user: run -d,
// ps, inspect, stop, kill, start, restart, wait, rm, rename, prune, top.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using namespace std::chrono_literals;

TEST_F(LifecycleTest, DetachedRunShowsInPsAndInspect) {
  std::string id = run_detached({"--name", "web"}, {"sleep", "60"});
  auto ps = sandbox({"ps"});
  ASSERT_EQ(ps.exit_code, 0) << ps.describe();
  EXPECT_TRUE(ps.out.starts_with("CONTAINER ID   IMAGE")) << ps.out;
  EXPECT_TRUE(contains(ps.out, id.substr(0, 12))) << ps.out;
  EXPECT_TRUE(contains(ps.out, "Up ")) << ps.out;
  EXPECT_TRUE(contains(ps.out, "web")) << ps.out;
  EXPECT_EQ(sandbox({"ps", "-q"}).out, id.substr(0, 12) + "\n");

  auto json = sandbox({"ps", "--format", "json"});
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array() && parsed.size() == 1) << json.out;
  EXPECT_EQ(parsed[0]["ID"], id);
  EXPECT_EQ(parsed[0]["Names"], nlohmann::json::array({"web"}));  // podman's shape
  EXPECT_EQ(parsed[0]["State"], "running");

  auto doc = inspect(id.substr(0, 5));  // a unique prefix
  ASSERT_FALSE(doc.is_null());
  EXPECT_EQ(doc["Id"], id);
  EXPECT_EQ(doc["Name"], "/web");
  EXPECT_EQ(doc["State"]["Running"], true);
  EXPECT_GT(doc["State"]["Pid"].get<int>(), 0);
}

TEST_F(LifecycleTest, StateTransitionsAndExitCode) {
  std::string id = run_detached({"--name", "short"}, {"sh", "-c", "sleep 1; exit 3"});
  EXPECT_EQ(status_of("short"), "running");
  auto w = sandbox({"wait", "short"});
  ASSERT_EQ(w.exit_code, 0) << w.describe();
  EXPECT_EQ(w.out, "3\n");
  EXPECT_EQ(status_of("short"), "exited");
  EXPECT_EQ(inspect("short")["State"]["ExitCode"], 3);
  EXPECT_EQ(sandbox({"ps", "-q"}).out, "");  // not running: only with -a
  auto all = sandbox({"ps", "-a"});
  EXPECT_TRUE(contains(all.out, "Exited (3)")) << all.out;
}

TEST_F(LifecycleTest, GeneratedNamesAndDuplicateNames) {
  std::string id = run_detached({}, {"sleep", "60"});
  std::string name = inspect(id)["Name"].get<std::string>();
  EXPECT_TRUE(name.size() > 3 && contains(name, "_")) << name;
  run_detached({"--name", "dup"}, {"sleep", "60"});
  auto again = sandbox({"run", "-d", "--network", "none", "--name", "dup", payload(), "true"});
  EXPECT_EQ(again.exit_code, 125) << again.describe();
  EXPECT_TRUE(contains(again.err, "\"dup\" is already in use")) << again.err;
  EXPECT_EQ(lines(sandbox({"ps", "-aq"}).out).size(), 2u);  // the refused one left nothing
}

TEST_F(LifecycleTest, UnknownContainersAreNamedInErrors) {
  for (const char* cmd : {"stop", "kill", "start", "rm", "wait", "logs", "top"}) {
    auto r = sandbox({cmd, "nosuch"});
    EXPECT_EQ(r.exit_code, 125) << cmd << ": " << r.describe();
    EXPECT_TRUE(contains(r.err, "no such container: nosuch")) << cmd << ": " << r.err;
  }
}

TEST_F(LifecycleTest, StopSendsTermThenReturns) {
  run_detached({"--name", "cs"}, {"sleep", "60"});
  auto start = std::chrono::steady_clock::now();
  auto r = sandbox({"stop", "cs"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "cs\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);  // TERM sufficed
  EXPECT_EQ(status_of("cs"), "exited");
  EXPECT_EQ(inspect("cs")["State"]["ExitCode"], 143);
  EXPECT_EQ(sandbox({"stop", "cs"}).exit_code, 0);  // stopping a stopped one is fine
}

TEST_F(LifecycleTest, StopHonoursTimeoutThenKills) {
  run_detached({"--name", "stubborn"}, {"sh", "-c", "trap '' TERM; while :; do sleep 1; done"});
  std::this_thread::sleep_for(300ms);  // let the trap be set
  auto start = std::chrono::steady_clock::now();
  auto r = sandbox({"stop", "-t", "2", "stubborn"});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 10s);
  EXPECT_EQ(inspect("stubborn")["State"]["ExitCode"], 137);
}

TEST_F(LifecycleTest, KillSendsTheSignal) {
  run_detached({"--name", "ck"}, {"sleep", "60"});
  auto r = sandbox({"kill", "-s", "USR1", "ck"});  // sleep dies of SIGUSR1
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(sandbox({"wait", "ck"}).out, std::to_string(128 + SIGUSR1) + "\n");
  auto again = sandbox({"kill", "ck"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_TRUE(contains(again.err, "not running")) << again.err;
}

TEST_F(LifecycleTest, StartKeepsTheUpperLayer) {
  run_detached({"--name", "count"}, {"sh", "-c", "echo x >> /count; wc -l < /count"});
  EXPECT_EQ(sandbox({"wait", "count"}).out, "0\n");
  auto s = sandbox({"start", "count"});
  ASSERT_EQ(s.exit_code, 0) << s.describe();
  EXPECT_EQ(sandbox({"wait", "count"}).out, "0\n");
  auto logs = sandbox({"logs", "count"});
  EXPECT_EQ(logs.out, "1\n2\n") << logs.describe();
}

TEST_F(LifecycleTest, StartOfARunningContainerFails) {
  run_detached({"--name", "busy"}, {"sleep", "60"});
  auto r = sandbox({"start", "busy"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_TRUE(contains(r.err, "already running")) << r.err;
}

TEST_F(LifecycleTest, RestartGivesANewProcess) {
  run_detached({"--name", "re"}, {"sleep", "60"});
  int before = inspect("re")["State"]["Pid"].get<int>();
  auto r = sandbox({"restart", "-t", "1", "re"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto doc = inspect("re");
  EXPECT_EQ(doc["State"]["Status"], "running");
  EXPECT_NE(doc["State"]["Pid"].get<int>(), before);
}

TEST_F(LifecycleTest, RmNeedsForceWhileRunning) {
  std::string id = run_detached({"--name", "cr"}, {"sleep", "60"});
  auto r = sandbox({"rm", "cr"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_TRUE(contains(r.err, "is running")) << r.err;
  EXPECT_TRUE(contains(r.err, "rm -f")) << r.err;
  EXPECT_EQ(status_of("cr"), "running");
  auto f = sandbox({"rm", "-f", "cr"});
  ASSERT_EQ(f.exit_code, 0) << f.describe();
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
  EXPECT_FALSE(std::filesystem::exists(root() / "containers" / id));
}

// Nothing may outlive the store it belongs to: reset kills the running
// containers (and so their monitors) before it deletes their files.
TEST_F(LifecycleTest, SystemResetEndsRunningContainers) {
  run_detached({"--name", "doomed"}, {"sleep", "600"});
  auto inspected = inspect("doomed");
  ASSERT_FALSE(inspected.is_null());
  pid_t pid = inspected["State"]["Pid"].get<pid_t>();
  ASSERT_GT(pid, 0);
  auto reset = sandbox({"system", "reset", "-f"});
  ASSERT_EQ(reset.exit_code, 0) << reset.describe();
  auto gone = [pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t close = text.rfind(')');
    return close == std::string::npos || text[close + 2] == 'Z';  // gone, or a zombie
  };
  EXPECT_TRUE(eventually(gone)) << "the container's process outlived the reset";
  EXPECT_FALSE(std::filesystem::exists(root()));
}

TEST_F(LifecycleTest, DetachedRmRemovesItselfAtTheEnd) {
  std::string id = run_detached({"--rm"}, {"true"});
  EXPECT_TRUE(eventually([&] { return sandbox({"ps", "-aq"}).out.empty(); }));
  // The record goes first (ps stops listing it), then the files.
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(root() / "containers" / id); }));
}

TEST_F(LifecycleTest, FailedStartLeavesNothing) {
  auto r = sandbox({"run", "-d", "--network", "none", "-w", "/etc/passwd", payload(), "true"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.err.empty());
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
}

TEST_F(LifecycleTest, RenameAndPrune) {
  run_detached({"--name", "old"}, {"true"});
  run_detached({"--name", "other"}, {"true"});
  run_detached({"--name", "live"}, {"sleep", "60"});
  sandbox({"wait", "old", "other"});
  auto rn = sandbox({"rename", "old", "new"});
  ASSERT_EQ(rn.exit_code, 0) << rn.describe();
  EXPECT_EQ(status_of("new"), "exited");
  EXPECT_EQ(sandbox({"inspect", "old"}).exit_code, 125);
  EXPECT_EQ(sandbox({"rename", "new", "live"}).exit_code, 125);  // taken
  auto p = sandbox({"container", "prune", "-f"});
  ASSERT_EQ(p.exit_code, 0) << p.describe();
  EXPECT_EQ(lines(p.out).size(), 3u) << p.out;  // header + 2 ids
  auto left = sandbox({"ps", "-a", "--format", "json"});
  auto parsed = nlohmann::json::parse(left.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array() && parsed.size() == 1) << left.out;
  EXPECT_EQ(parsed[0]["Names"], nlohmann::json::array({"live"}));
}

TEST_F(LifecycleTest, TopListsTheContainersProcesses) {
  run_detached({"--name", "ct"}, {"sh", "-c", "sleep 61 & sleep 62"});
  std::string out;
  EXPECT_TRUE(eventually([&] {
    out = sandbox({"top", "ct"}).out;
    return contains(out, "sleep 61") && contains(out, "sleep 62");
  })) << out;
  EXPECT_TRUE(out.starts_with("UID")) << out;
  EXPECT_FALSE(contains(out, "sandbox-monitor")) << out;  // only the container's
}

TEST_F(LifecycleTest, ForegroundRunIsRecordedToo) {
  auto fg = sandbox_background(
      {"run", "--network", "none", "--name", "fg", payload(), "sh", "-c", "sleep 2; exit 4"});
  EXPECT_TRUE(eventually([&] { return status_of("fg") == "running"; }));
  auto w = sandbox({"wait", "fg"});
  EXPECT_EQ(w.out, "4\n") << w.describe();
  EXPECT_EQ(fg->wait().exit_code, 4);
  EXPECT_EQ(status_of("fg"), "exited");
}

}  // namespace
}  // namespace sbx::it

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

// st_ino of a namespace fd (nsfs), or 0.
ino_t namespace_inode(int fd) {
  struct stat st {};
  return fd >= 0 && ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

ino_t user_namespace_of(pid_t pid) {
  int fd = ::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  ino_t ino = namespace_inode(fd);
  if (fd >= 0) ::close(fd);
  return ino;
}

ino_t parent_user_namespace_of(pid_t pid) {
  int fd = ::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  int parent = fd >= 0 ? ::ioctl(fd, NS_GET_PARENT) : -1;
  ino_t ino = namespace_inode(parent);
  if (parent >= 0) ::close(parent);
  if (fd >= 0) ::close(fd);
  return ino;
}

pid_t pid_of(const nlohmann::json& inspected) {
  return inspected.is_null() ? 0 : inspected["State"]["Pid"].get<pid_t>();
}

}  // namespace

// Each container's user namespace is its own, made inside the one the user's
// pause process keeps, so no setuid helper runs per container. The pause
// process holds none of our stdio and no directory; a killed one is replaced.
TEST_F(LifecycleTest, OwnUserNamespaceInsideThePauseProcesses) {
  use_own_runtime_dir();  // it ends the pause processes
  if (HasFatalFailure()) return;
  auto a = run_detached({}, {"sleep", "60"});
  auto b = run_detached({}, {"sleep", "60"});
  pid_t pid_a = pid_of(inspect(a)), pid_b = pid_of(inspect(b));
  ASSERT_GT(pid_a, 0);
  ASSERT_GT(pid_b, 0);
  EXPECT_NE(user_namespace_of(pid_a), user_namespace_of(pid_b));
  EXPECT_NE(user_namespace_of(pid_a), user_namespace_of(::getpid()));
  ASSERT_NE(parent_user_namespace_of(pid_a), 0u);
  EXPECT_EQ(parent_user_namespace_of(pid_a), parent_user_namespace_of(pid_b));

  auto pauses = pause_processes(runtime_dir());
  ASSERT_FALSE(pauses.empty()) << "no live pause process recorded";
  bool parent_found = false;
  for (pid_t pause : pauses) {
    parent_found |= user_namespace_of(pause) == parent_user_namespace_of(pid_a);
    for (int fd = 0; fd < 3; ++fd)
      EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(pause) + "/fd/" + std::to_string(fd)),
                "/dev/null");
    EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(pause) + "/cwd"), "/");
  }
  EXPECT_TRUE(parent_found) << "the containers' parent namespace is no pause process's";

  for (pid_t pause : pauses) ::kill(pause, SIGTERM);
  EXPECT_TRUE(eventually([&] {
    for (pid_t pause : pauses)
      if (::kill(pause, 0) == 0) return false;
    return true;
  }));
  auto again = payload_run({"id"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_TRUE(contains(again.out, "uid=0")) << again.out;
  auto replaced = pause_processes(runtime_dir());
  ASSERT_FALSE(replaced.empty());
  for (pid_t pause : replaced) EXPECT_EQ(std::count(pauses.begin(), pauses.end(), pause), 0);
}

}  // namespace sbx::it
