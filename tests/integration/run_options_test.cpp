// run flags docker users reach for: --label (inspect, ps --filter),
// --stop-signal and --stop-timeout (used by stop), --pull, --shm-size, --sysctl.
#include <chrono>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using RunOptionsTest = LifecycleTest;

TEST_F(RunOptionsTest, LabelsShowInInspectAndFilterPs) {
  std::string id = run_detached({"--name", "lab", "--label", "tier=web", "-l", "bare"},
                                {"payload", "sleep", "30"});
  auto j = inspect("lab");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["Config"]["Labels"]["tier"], "web");
  EXPECT_EQ(j["Config"]["Labels"]["bare"], "");
  run_detached({"--name", "other"}, {"payload", "sleep", "30"});
  auto hit = sandbox({"ps", "-q", "--no-trunc", "--filter", "label=tier=web"});
  ASSERT_EQ(hit.exit_code, 0) << hit.describe();
  EXPECT_EQ(hit.out, id + "\n");
  EXPECT_EQ(sandbox({"ps", "-q", "--no-trunc", "--filter", "label=bare"}).out, id + "\n");
  EXPECT_EQ(sandbox({"ps", "-q", "--filter", "label=tier=db"}).out, "");
  auto bad = sandbox({"run", "--rm", "--label", "=x", payload(), "true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "--label '=x'")) << bad.describe();
}

TEST_F(RunOptionsTest, StopSendsTheStopSignalGiven) {
  // The payload image's own StopSignal is SIGUSR1: the flag wins.
  run_detached({"--name", "sig", "--stop-signal", "SIGUSR2"}, {"payload", "wait-signal", "60"});
  ASSERT_TRUE(eventually([&] { return contains(sandbox({"logs", "sig"}).out, "ready"); }));
  auto stop = sandbox({"stop", "sig"});
  ASSERT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(contains(sandbox({"logs", "sig"}).out, "got SIGUSR2"));
  EXPECT_EQ(inspect("sig")["Config"]["StopSignal"], "SIGUSR2");
  auto bad = sandbox({"run", "--rm", "--stop-signal", "SIGNOPE", payload(), "true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "SIGNOPE")) << bad.describe();
}

TEST_F(RunOptionsTest, StopWaitsTheStopTimeoutBeforeKilling) {
  // A command that ignores the stop signal is killed once --stop-timeout ran out.
  run_detached({"--name", "slow", "--stop-timeout", "1", "--stop-signal", "TERM"},
               {"sh", "-c", "trap '' TERM; echo ready; sleep 60"});
  ASSERT_TRUE(eventually([&] { return contains(sandbox({"logs", "slow"}).out, "ready"); }));
  EXPECT_EQ(inspect("slow")["Config"]["StopTimeout"], 1);
  // No clock here (shared machines): the timeout recorded above is the one
  // stop reads; that it ran out shows as the kill.
  auto stop = sandbox({"stop", "slow"});
  ASSERT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_EQ(inspect("slow")["State"]["ExitCode"], 128 + SIGKILL);
  EXPECT_EQ(sandbox({"run", "--rm", "--stop-timeout", "-2", payload(), "true"}).exit_code, 125);
}

TEST_F(RunOptionsTest, PullPolicies) {
  auto never = sandbox({"run", "--rm", "--pull", "never", payload(), "true"});
  EXPECT_EQ(never.exit_code, 125) << never.describe();
  EXPECT_TRUE(contains(never.err, "--pull=never")) << never.describe();
  auto missing = sandbox({"run", "--rm", "--network", "none", payload(), "true"});
  ASSERT_EQ(missing.exit_code, 0) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "Pulling")) << missing.describe();
  auto stored = sandbox({"run", "--rm", "--network", "none", "--pull", "never", payload(), "true"});
  EXPECT_EQ(stored.exit_code, 0) << stored.describe();
  EXPECT_FALSE(contains(stored.err, "Pulling")) << stored.describe();
  auto always =
      sandbox({"run", "--rm", "--network", "none", "--pull", "always", payload(), "true"});
  EXPECT_EQ(always.exit_code, 0) << always.describe();
  EXPECT_TRUE(contains(always.err, "Pulling")) << "pulled although stored\n" << always.describe();
  auto bad = sandbox({"run", "--rm", "--pull", "sometimes", payload(), "true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "invalid --pull 'sometimes'")) << bad.describe();
}

TEST_F(RunOptionsTest, ShmSizeSizesDevShm) {
  auto shm_line = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> all{"run", "--rm", "--network", "none"};
    all.insert(all.end(), flags.begin(), flags.end());
    all.insert(all.end(), {payload(), "payload", "mounts"});
    auto r = sandbox(all);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    for (const auto& line : lines(r.out))
      if (contains(line, " /dev/shm ")) return line;
    return std::string();
  };
  EXPECT_TRUE(contains(shm_line({}), "size=65536k")) << shm_line({});
  EXPECT_TRUE(contains(shm_line({"--shm-size", "2m"}), "size=2048k"))
      << shm_line({"--shm-size", "2m"});
  auto bad = sandbox({"run", "--rm", "--shm-size", "lots", payload(), "true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "--shm-size")) << bad.describe();
}

TEST_F(RunOptionsTest, NamespacedSysctlsOnly) {
  auto r = sandbox({"run", "--rm", "--network", "none", "--sysctl",
                    "net.ipv4.ip_unprivileged_port_start=100", payload(), "payload", "read",
                    "/proc/sys/net/ipv4/ip_unprivileged_port_start"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "100\n");
  auto host = sandbox({"run", "--rm", "--sysctl", "vm.swappiness=1", payload(), "true"});
  EXPECT_EQ(host.exit_code, 125) << host.describe();
  EXPECT_TRUE(contains(host.err, "not namespaced")) << host.describe();
  auto shared = sandbox({"run", "--rm", "--network", "host", "--sysctl",
                         "net.ipv4.ip_unprivileged_port_start=100", payload(), "true"});
  EXPECT_EQ(shared.exit_code, 125) << shared.describe();
  EXPECT_TRUE(contains(shared.err, "host's network")) << shared.describe();
}

TEST_F(RunOptionsTest, DnsSearchAndOptionsReachResolvConf) {
  auto r = sandbox({"run", "--rm", "--network", "none", "--dns-search", "one.example",
                    "--dns-search", "two.example", "--dns-option", "ndots:3", payload(), "payload",
                    "read", "/etc/resolv.conf"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "search one.example two.example\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "options ndots:3\n")) << r.out;
  auto none = sandbox({"run", "--rm", "--network", "none", "--dns-search", ".", payload(),
                       "payload", "read", "/etc/resolv.conf"});
  ASSERT_EQ(none.exit_code, 0) << none.describe();
  EXPECT_FALSE(contains(none.out, "search")) << none.out;
  auto bad =
      sandbox({"run", "--rm", "--dns-option", "ndots:1\nnameserver 6.6.6.6", payload(), "true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "invalid --dns-option")) << bad.describe();
}

}  // namespace
}  // namespace sbx::it
