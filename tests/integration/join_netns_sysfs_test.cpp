// --network container:NAME and ns:PATH show the joined network namespace's
// interfaces in /sys/class/net (its own sysfs, made by the joiner), not the
// host's, as the unprivileged test user.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "user_network_fixture.hpp"

namespace sbx::it {
namespace {

using JoinNetnsSysfsTest = UserNetworkTest;

// The host's interfaces as `ls` prints them: sorted, one a line.
std::string host_interfaces_listing() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net", ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}

TEST_F(JoinNetnsSysfsTest, JoinedNamespaceShowsItsOwnInterfaces) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  std::string busybox = rig().image("test/busybox:latest");
  // slirp4netns's tap0 and lo: the host has no tap0.
  auto target = sandbox({"run", "-d", "--name", "owner", busybox, "sleep", "300"});
  ASSERT_EQ(target.exit_code, 0) << target.describe();
  auto own = sandbox({"exec", "owner", "ls", "/sys/class/net"});
  ASSERT_EQ(own.exit_code, 0) << own.describe();
  EXPECT_TRUE(contains(own.out, "tap0\n")) << own.describe();

  auto joined = run({"--network", "container:owner"}, busybox, {"ls", "/sys/class/net"});
  EXPECT_EQ(joined.exit_code, 0) << joined.describe();
  EXPECT_EQ(joined.out, own.out);
  EXPECT_NE(joined.out, host_interfaces_listing());
  auto read_only = run({"--network", "container:owner"}, busybox,
                       {"sh", "-c", "echo 1 > /sys/class/net/lo/mtu && echo written"});
  EXPECT_FALSE(contains(read_only.out, "written")) << read_only.describe();

  auto pid = sandbox({"inspect", "--format", "{{.State.Pid}}", "owner"});
  ASSERT_EQ(pid.exit_code, 0) << pid.describe();
  std::string path = "/proc/" + std::string(trim_newline(pid.out)) + "/ns/net";
  auto by_path = run({"--network", "ns:" + path}, busybox, {"ls", "/sys/class/net"});
  EXPECT_EQ(by_path.out, own.out) << by_path.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "owner"}).exit_code, 0);
}

// A container on a user network: eth0 from netavark's veth.
TEST_F(JoinNetnsSysfsTest, JoinedUserNetworkContainerShowsEth0) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  std::string busybox = rig().image("test/busybox:latest");
  ASSERT_EQ(sandbox({"network", "create", "sysnet"}).exit_code, 0);
  auto target =
      sandbox({"run", "-d", "--name", "member", "--network", "sysnet", busybox, "sleep", "300"});
  ASSERT_EQ(target.exit_code, 0) << target.describe();
  auto joined = run({"--network", "container:member"}, busybox, {"ls", "/sys/class/net"});
  EXPECT_EQ(joined.out, "eth0\nlo\n") << joined.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "member"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

}  // namespace
}  // namespace sbx::it
