// Restart policies, health checks and generate systemd, as the unprivileged
// user: no daemon, the monitor and `container cleanup` do it. Bounded polls,
// no timing assertions.
#include <dirent.h>

#include <fstream>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

class RestartTest : public LifecycleTest {
 protected:
  int restart_count(const std::string& name) {
    auto j = inspect(name);
    return j.is_null() ? -1 : j.value("RestartCount", -1);
  }
  bool restarting(const std::string& name) {
    auto j = inspect(name);
    return !j.is_null() && j["State"]["Restarting"].get<bool>();
  }
  // .State.Health.Status; "" without.
  std::string health_status(const std::string& name) {
    auto j = inspect(name);
    if (j.is_null() || !j["State"].contains("Health")) return "";
    return j["State"]["Health"]["Status"].get<std::string>();
  }
  // Ended, and no restart waits: what the policy does next is decided.
  bool settled(const std::string& name) { return status_of(name) == "exited" && !restarting(name); }

  // Our processes whose command line names `id` (monitors, cleanups, probes).
  static std::vector<pid_t> processes_naming(const std::string& id) {
    std::vector<pid_t> found;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    while (dirent* e = ::readdir(proc)) {
      pid_t pid = std::atoi(e->d_name);
      if (pid <= 0 || pid == ::getpid()) continue;
      std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.find(id) != std::string::npos) found.push_back(pid);
    }
    ::closedir(proc);
    return found;
  }
};

TEST_F(RestartTest, OnFailureRestartsAsOftenAsAllowedThenStaysExited) {
  std::string id = run_detached({"--restart", "on-failure:2"}, {"payload", "exit", "3"});
  ASSERT_TRUE(
      eventually([&] { return restart_count(id) == 2 && settled(id); }, std::chrono::seconds(60)))
      << inspect(id).dump(2);
  // Once nothing names it, nothing can start it again.
  ASSERT_TRUE(eventually([&] { return processes_naming(id).empty(); }, std::chrono::seconds(30)));
  auto j = inspect(id);
  EXPECT_EQ(j["RestartCount"], 2);
  EXPECT_EQ(j["State"]["Status"], "exited");
  EXPECT_EQ(j["State"]["ExitCode"], 3);
  EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["Name"], "on-failure");
  EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 2);
}

TEST_F(RestartTest, AForegroundRunReturnsItsExitCodeAndIsRestarted) {
  auto r = sandbox({"run", "--network", "none", "--name", "fg", "--restart", "on-failure:1",
                    payload(), "payload", "exit", "4"});
  EXPECT_EQ(r.exit_code, 4) << r.describe();
  ASSERT_TRUE(eventually([&] { return restart_count("fg") == 1 && settled("fg"); },
                         std::chrono::seconds(60)))
      << inspect("fg").dump(2);
  std::string id = inspect("fg")["Id"];
  ASSERT_TRUE(eventually([&] { return processes_naming(id).empty(); }, std::chrono::seconds(30)));
  EXPECT_EQ(restart_count("fg"), 1);
  EXPECT_EQ(inspect("fg")["State"]["ExitCode"], 4);
}

TEST_F(RestartTest, OnFailureDoesNotRestartASuccess) {
  std::string id = run_detached({"--restart", "on-failure"}, {"payload", "exit", "0"});
  ASSERT_TRUE(eventually([&] { return settled(id) && processes_naming(id).empty(); },
                         std::chrono::seconds(30)));
  EXPECT_EQ(restart_count(id), 0);
}

TEST_F(RestartTest, AlwaysRestartsAfterExitZeroUntilStopped) {
  std::string id = run_detached({"--restart", "always"}, {"payload", "exit", "0"});
  ASSERT_TRUE(eventually([&] { return restart_count(id) >= 2; }, std::chrono::seconds(60)))
      << inspect(id).dump(2);
  auto stop = sandbox({"stop", "-t", "1", id});
  ASSERT_EQ(stop.exit_code, 0) << stop.describe();
  ASSERT_TRUE(eventually([&] { return processes_naming(id).empty(); }, std::chrono::seconds(30)));
  int count = restart_count(id);
  EXPECT_TRUE(settled(id)) << inspect(id).dump(2);
  EXPECT_EQ(restart_count(id), count);
  // A start by the user counts from 0 again, and the policy fires again.
  ASSERT_EQ(sandbox({"start", id}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return restart_count(id) != count; }, std::chrono::seconds(60)));
}

TEST_F(RestartTest, StopOfARunningContainerIsForGood) {
  std::string id = run_detached({"--restart", "unless-stopped"}, {"payload", "sleep", "1000"});
  ASSERT_EQ(status_of(id), "running");
  ASSERT_EQ(sandbox({"stop", "-t", "1", id}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return processes_naming(id).empty(); }, std::chrono::seconds(30)));
  EXPECT_EQ(status_of(id), "exited");
  EXPECT_EQ(restart_count(id), 0);
}

TEST_F(RestartTest, RmForceLeavesNoProcessBehind) {
  std::string id = run_detached({"--restart", "always"}, {"payload", "sleep", "1000"});
  auto j = inspect(id);
  ASSERT_FALSE(j.is_null());
  pid_t pid = j["State"]["Pid"].get<pid_t>();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(sandbox({"rm", "-f", id}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return processes_naming(id).empty(); }, std::chrono::seconds(30)))
      << processes_naming(id).size() << " processes left";
  EXPECT_TRUE(eventually([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(30)));
  EXPECT_NE(sandbox({"inspect", id}).exit_code, 0);
}

TEST_F(RestartTest, RefusesRmWithRestartAndABadPolicy) {
  auto r = sandbox({"run", "--rm", "--restart", "always", payload(), "payload", "exit", "0"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_TRUE(contains(r.err, "--restart and --rm")) << r.err;
  r = sandbox({"run", "-d", "--restart", "sometimes", payload(), "payload", "exit", "0"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_TRUE(contains(r.err, "invalid --restart 'sometimes'")) << r.err;
}

TEST_F(RestartTest, HealthGoesHealthyWithACommandThatSucceeds) {
  std::string id = run_detached(
      {"--health-cmd", R"(["CMD", "payload", "exit", "0"])", "--health-interval", "200ms"},
      {"payload", "sleep", "1000"});
  ASSERT_TRUE(eventually([&] { return health_status(id) == "healthy"; }, std::chrono::seconds(60)))
      << inspect(id).dump(2);
  auto j = inspect(id);
  EXPECT_EQ(j["State"]["Health"]["FailingStreak"], 0);
  ASSERT_FALSE(j["State"]["Health"]["Log"].empty());
  EXPECT_EQ(j["State"]["Health"]["Log"].back()["ExitCode"], 0);
  EXPECT_EQ(j["Config"]["Healthcheck"]["Test"][0], "CMD");
  EXPECT_TRUE(contains(sandbox({"ps"}).out, "(healthy)"));
  EXPECT_EQ(sandbox({"healthcheck", "run", id}).exit_code, 0);
  // Once it ended, inspect keeps the last health, "unhealthy" as docker's;
  // ps shows no health.
  ASSERT_EQ(sandbox({"stop", "-t", "1", id}).exit_code, 0);
  auto ended = inspect(id);
  EXPECT_EQ(ended["State"]["Status"], "exited");
  EXPECT_EQ(ended["State"]["Health"]["Status"], "unhealthy") << ended.dump(2);
  ASSERT_FALSE(ended["State"]["Health"]["Log"].empty()) << ended.dump(2);
  EXPECT_EQ(ended["State"]["Health"]["Log"].front()["ExitCode"], 0) << ended.dump(2);
  EXPECT_FALSE(contains(sandbox({"ps", "-a"}).out, "healthy)"));
}

// A foreground run probes too (docker does): another shell sees the health
// while it runs, and inspect keeps it after the end.
TEST_F(RestartTest, HealthOfAForegroundRunIsSeenFromElsewhereAndKept) {
  auto fg = sandbox_background({"run", "--network", "none", "--name", "fg", "--health-cmd",
                                R"(["CMD", "payload", "exit", "0"])", "--health-interval", "200ms",
                                payload(), "payload", "sleep", "1000"});
  ASSERT_TRUE(
      eventually([&] { return health_status("fg") == "healthy"; }, std::chrono::seconds(60)))
      << inspect("fg").dump(2) << fg->err_so_far();
  EXPECT_TRUE(contains(sandbox({"ps"}).out, "(healthy)"));
  ASSERT_EQ(sandbox({"stop", "-t", "1", "fg"}).exit_code, 0);
  auto r = fg->wait();
  EXPECT_EQ(r.exit_code, 143) << r.describe();  // SIGTERM
  auto j = inspect("fg");
  EXPECT_EQ(j["State"]["Status"], "exited");
  EXPECT_EQ(j["State"]["Health"]["Status"], "unhealthy") << j.dump(2);
  ASSERT_FALSE(j["State"]["Health"]["Log"].empty()) << j.dump(2);
  EXPECT_EQ(j["State"]["Health"]["Log"].front()["ExitCode"], 0) << j.dump(2);
  // The run's prober ended with it: nothing names the container any more.
  std::string id = j["Id"].get<std::string>();
  EXPECT_TRUE(eventually([&] { return processes_naming(id).empty(); })) << id;
}

TEST_F(RestartTest, HealthGoesUnhealthyWithACommandThatFails) {
  std::string id = run_detached({"--health-cmd", R"(["CMD", "payload", "exit", "1"])",
                                 "--health-interval", "200ms", "--health-retries", "2"},
                                {"payload", "sleep", "1000"});
  ASSERT_TRUE(
      eventually([&] { return health_status(id) == "unhealthy"; }, std::chrono::seconds(60)))
      << inspect(id).dump(2);
  EXPECT_GE(inspect(id)["State"]["Health"]["FailingStreak"].get<int>(), 2);
  EXPECT_TRUE(contains(sandbox({"ps"}).out, "(unhealthy)"));
  auto r = sandbox({"healthcheck", "run", id});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(contains(r.out, "unhealthy"));
}

TEST_F(RestartTest, HealthcheckRunNeedsAHealthCheck) {
  std::string id = run_detached({}, {"payload", "sleep", "1000"});
  auto r = sandbox({"healthcheck", "run", id});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_TRUE(contains(r.err, "has no health check")) << r.err;
  EXPECT_FALSE(inspect(id)["State"].contains("Health"));
}

TEST_F(RestartTest, GenerateSystemdStartsAndStopsTheContainer) {
  run_detached({"--name", "web", "-e", "GREETING=100% $HOME"}, {"payload", "sleep", "1000"});
  auto r = sandbox({"generate", "systemd", "--name", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string bin = sandbox_bin();
  std::string root = std::filesystem::canonical(this->root()).string();
  EXPECT_TRUE(contains(r.out, "ExecStart=" + bin + " --root " + root + " start web\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "ExecStop=" + bin + " --root " + root + " stop -t 10 web\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Type=forking\n"));
  auto fresh = sandbox({"generate", "systemd", "--new", "--name", "web"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.describe();
  EXPECT_TRUE(
      contains(fresh.out, " run --rm --name web --network none -e \"GREETING=100%% $$HOME\" " +
                              payload() + " payload sleep 1000\n"))
      << fresh.out;
  if (!have_program("systemd-analyze")) return;
  for (const auto& [file, text] : {std::pair{"container-web.service", r.out},
                                   std::pair{"container-web-new.service", fresh.out}}) {
    auto path = test_dir() / file;
    std::ofstream(path) << text;
    std::string command = "systemd-analyze verify --man=no " + path.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    ::pclose(pipe);
    // Only what it says about our unit's own lines counts: the host may lack a user manager.
    for (const char* bad : {"Unknown key", "Invalid", "Failed to parse", "bad-setting",
                            "Missing '='", "is not absolute", "is not executable"})
      EXPECT_FALSE(contains(out, bad)) << file << ": " << out;
  }
}

}  // namespace
}  // namespace sbx::it
