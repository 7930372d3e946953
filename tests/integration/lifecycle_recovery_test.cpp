// Recovery and concurrency: a SIGKILLed monitor, parallel runs and rms, and
// stores (and users) that never see each other's containers.
#include <sys/stat.h>

#include <fstream>
#include <future>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_F(LifecycleTest, KilledMonitorThenPsAndRm) {
  run_detached({"--name", "orphan"}, {"sleep", "60"});
  auto doc = inspect("orphan");
  ASSERT_FALSE(doc.is_null());
  int monitor = doc["State"]["MonitorPid"].get<int>();
  int pid = doc["State"]["Pid"].get<int>();
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);
  // The container dies with its monitor (parent-death signal): nothing runs
  // unwatched, and since nobody recorded the end, ps -a says it is unknown.
  EXPECT_TRUE(eventually([&] { return ::kill(pid, 0) != 0; }));
  EXPECT_TRUE(eventually([&] { return status_of("orphan") == "exited"; }));
  auto all = sandbox({"ps", "-a"});
  EXPECT_TRUE(contains(all.out, "Exited (unknown)")) << all.out;
  auto w = sandbox({"wait", "orphan"});
  EXPECT_EQ(w.out, "-1\n") << w.describe();
  auto rm = sandbox({"rm", "orphan"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
}

// Records are not fsynced: a machine crash may leave config.json empty (and
// the runtime dir gone with the reboot). rm by id still removes the container.
TEST_F(LifecycleTest, RmRemovesAContainerWhoseRecordACrashLeftEmpty) {
  auto r = sandbox({"run", "--network", "none", "--name", "crashed", payload(), "true"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string id = inspect("crashed")["Id"].get<std::string>();
  fs::path dir = root() / "containers" / id;
  std::ofstream(dir / "config.json", std::ios::trunc).flush();
  ASSERT_EQ(fs::file_size(dir / "config.json"), 0u);
  auto rm = sandbox({"rm", id.substr(0, 12)});
  EXPECT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(LifecycleTest, ParallelRunsAndRemovals) {
  constexpr int kCount = 6;
  std::vector<std::future<RunResult>> runs;
  for (int i = 0; i < kCount; ++i)
    runs.push_back(std::async(std::launch::async, [this, i] {
      return sandbox({"run", "-d", "--network", "none", "--name", "p" + std::to_string(i),
                      payload(), "sleep", "60"});
    }));
  for (auto& r : runs) {
    auto result = r.get();
    EXPECT_EQ(result.exit_code, 0) << result.describe();
  }
  auto json = nlohmann::json::parse(sandbox({"ps", "--format", "json"}).out, nullptr, false);
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json.size(), static_cast<size_t>(kCount));
  std::vector<std::future<RunResult>> rms;
  for (int i = 0; i < kCount; ++i)
    rms.push_back(std::async(std::launch::async, [this, i] {
      return sandbox({"rm", "-f", "p" + std::to_string(i)});
    }));
  for (auto& r : rms) {
    auto result = r.get();
    EXPECT_EQ(result.exit_code, 0) << result.describe();
  }
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
}

TEST_F(LifecycleTest, StoresDoNotSeeEachOthersContainers) {
  run_detached({"--name", "mine"}, {"sleep", "60"});
  auto other_root = test_dir() / "other-store";
  RunOptions other;
  other.root = other_root;
  auto ps = run_sandbox({"ps", "-a", "--format", "json"}, options_for(other));
  ASSERT_EQ(ps.exit_code, 0) << ps.describe();
  EXPECT_EQ(ps.out, "[]\n");
  auto stop = run_sandbox({"stop", "mine"}, options_for(other));
  EXPECT_EQ(stop.exit_code, 125);
  EXPECT_EQ(status_of("mine"), "running");
}

TEST_F(LifecycleTest, RuntimeStateIsPrivateToTheUser) {
  std::string id = run_detached({}, {"sleep", "60"});
  // The runtime dir and everything up to it belong to us alone (0700), so
  // another user cannot list, read or signal through our state.
  std::string base = runtime_dir();
  ASSERT_FALSE(base.empty());
  struct stat st;
  ASSERT_EQ(::stat(base.c_str(), &st), 0) << base;
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_mode & 077, 0u);
  ASSERT_EQ(::stat(root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

}  // namespace
}  // namespace sbx::it
