// Limits on a host that cannot enforce them (the CI machine: hybrid cgroups,
// no systemd user manager): runs without limits are untouched, runs with
// limits fail with the fix unless --limits=best-effort. The enforcing side
// runs in the VM (tests/vm/).
#include <linux/magic.h>
#include <sys/statfs.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

// True where sandbox might enforce limits: pure cgroup v2 and a systemd user
// manager. Then the refusal tests do not apply.
bool host_can_enforce_limits() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) return false;
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  return xdg && std::filesystem::exists(std::string(xdg) + "/systemd/private");
}

// True where --cgroup-manager=cgroupfs could work: pure cgroup v2 and our own
// cgroup writable.
bool own_cgroup_writable() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) return false;
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("0::"))
      return ::access(("/sys/fs/cgroup" + line.substr(3) + "/cgroup.procs").c_str(), W_OK) == 0;
  return false;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(part, at)) != std::string::npos; at += part.size()) ++n;
  return n;
}

class CgroupHostTest : public RunTest {};

TEST_F(CgroupHostTest, RunWithoutLimitsWorks) {
  auto r = payload_run({"read", "/proc/self/cgroup"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // Its own cgroup namespace: the container's cgroup is its root.
  EXPECT_TRUE(contains(r.out, "0::/\n")) << r.out;
  EXPECT_FALSE(contains(r.err, "warning")) << r.err;
}

TEST_F(CgroupHostTest, MemoryLimitRefusedWithTheFix) {
  SBX_REQUIRES(!host_can_enforce_limits(), "a host that cannot enforce limits");
  auto r = run({"--memory", "64m"}, payload(), {"echo", "must not run"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_FALSE(contains(r.out, "must not run")) << r.describe();
  EXPECT_TRUE(contains(r.err, "sandbox: cannot enforce the limits")) << r.err;
  EXPECT_TRUE(contains(r.err, "memory (--memory")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "Delegate=cpu cpuset io memory pids")) << r.err;
  EXPECT_TRUE(contains(r.err, "loginctl enable-linger")) << r.err;
}

TEST_F(CgroupHostTest, EveryLimitFlagIsRefusedAlike) {
  SBX_REQUIRES(!host_can_enforce_limits(), "a host that cannot enforce limits");
  for (auto flags : std::vector<std::vector<std::string>>{
           {"--cpus", "0.5"}, {"--pids-limit", "20"}, {"--cpu-shares", "512"}}) {
    auto r = run(flags, payload(), {"true"});
    EXPECT_EQ(r.exit_code, 125) << flags[0] << ": " << r.describe();
    EXPECT_TRUE(contains(r.err, flags[0])) << r.err;
  }
}

TEST_F(CgroupHostTest, BestEffortWarnsOnceAndRuns) {
  SBX_REQUIRES(!host_can_enforce_limits(), "a host that cannot enforce limits");
  auto r = run({"--memory", "64m", "--pids-limit", "20", "--limits=best-effort"}, payload(),
               {"echo", "ran"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "ran\n");
  size_t warnings = 0;
  for (size_t at = 0; (at = r.err.find("warning", at)) != std::string::npos; ++at) ++warnings;
  EXPECT_EQ(warnings, 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "memory")) << r.err;
}

TEST_F(CgroupHostTest, BadLimitValuesFailBeforeAnythingStarts) {
  auto r = run({"--memory", "12x"}, payload(), {"true"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "invalid size '12x'")) << r.err;
  r = run({"--cgroup-manager", "v1"}, payload(), {"true"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "--cgroup-manager")) << r.err;
}

TEST_F(CgroupHostTest, StatsWithoutLimitedContainersIsEmpty) {
  auto r = sandbox({"stats", "--no-stream", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "");
  r = sandbox({"update", "--memory", "64m", "deadbeef"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "no running container with limits")) << r.err;
}

// cgroupfs mode uses the current cgroup: where it is not ours to write (the
// CI host: not even cgroup v2), one error says so; nothing is written.
TEST_F(CgroupHostTest, CgroupfsWhereTheCurrentCgroupIsNotDelegatedIsOneError) {
  SBX_REQUIRES(!own_cgroup_writable(), "a current cgroup that is not writable");
  auto r = run({"--cgroup-manager=cgroupfs", "--memory", "64m"}, payload(), {"echo", "ran"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count(r.err, "sandbox: "), 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "sandbox: cannot enforce the limits: --cgroup-manager=cgroupfs: "))
      << r.err;
  EXPECT_TRUE(contains(r.err, "hint: ")) << r.err;
}

TEST_F(CgroupHostTest, CgroupfsWithoutLimitsRunsAsUsual) {
  auto r = run({"--cgroup-manager=cgroupfs", "--network", "none"}, payload(), {"echo", "ran"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "ran\n");
  EXPECT_FALSE(contains(r.err, "cgroup")) << r.err;
  EXPECT_FALSE(contains(r.err, "warning")) << r.err;
}

// `update` of a stopped container is recorded for its next start, as docker
// keeps it; here that start must then refuse the limits it cannot enforce.
TEST_F(CgroupHostTest, UpdateOfAStoppedContainerIsKeptForItsStart) {
  auto r = sandbox({"run", "--name", "upd", "--network", "none", payload(), "true"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = sandbox({"update", "--memory", "96m", "--pids-limit", "50", "upd"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "upd\n");
  auto id = sandbox({"ps", "-aq", "--no-trunc"}).out;
  id = id.substr(0, id.find('\n'));
  std::ifstream in(root() / "containers" / id / "config.json");
  auto config = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(config.is_discarded()) << id;
  EXPECT_EQ(config["cgroup"]["limits"].value("memory", 0LL), 96LL << 20) << config.dump();
  EXPECT_EQ(config["cgroup"]["limits"].value("pids_limit", 0LL), 50) << config.dump();
  r = sandbox({"update", "--cpus", "0.5", "upd"});  // merged, not replacing
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::ifstream again(root() / "containers" / id / "config.json");
  config = nlohmann::json::parse(again, nullptr, false);
  EXPECT_EQ(config["cgroup"]["limits"].value("memory", 0LL), 96LL << 20) << config.dump();
  EXPECT_EQ(config["cgroup"]["limits"].value("cpus", 0.0), 0.5) << config.dump();
  if (!host_can_enforce_limits()) {
    r = sandbox({"start", "upd"});
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "cannot enforce the limits")) << r.err;
  }
}

TEST_F(CgroupHostTest, UpdateOfARunningContainerWithoutACgroupSaysWhatToDo) {
  auto r = sandbox({"run", "-d", "--name", "plain", "--network", "none", payload(), "sleep", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto u = sandbox({"update", "--memory", "64m", "plain"});
  sandbox({"rm", "-f", "plain"});
  EXPECT_EQ(u.exit_code, 125) << u.describe();
  EXPECT_TRUE(contains(u.err, "runs without a cgroup of its own")) << u.err;
  EXPECT_TRUE(contains(u.err, "hint: stop it, update it")) << u.err;
}

}  // namespace
}  // namespace sbx::it
