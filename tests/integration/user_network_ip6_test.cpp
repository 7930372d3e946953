// --ip6: a fixed IPv6 address on a dual-stack user network, as the
// unprivileged test user: set in the container, shown by inspect, refused
// (with the reason) outside the subnet, on the gateway, when in use, on an
// IPv4-only network and off user networks; free again once the container ends.
#include <unistd.h>

#include <string>

#include "user_network_fixture.hpp"

namespace sbx::it {
namespace {

using UserNetworkIp6Test = UserNetworkTest;

TEST_F(UserNetworkIp6Test, FixedAddressIsSetShownAndChecked) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  if (::access("/proc/sys/net/ipv6", F_OK) != 0) GTEST_SKIP() << "requires: IPv6 in the kernel";
  auto made = sandbox({"network", "create", "--ipv6", "--subnet", "fd00:5c:1::/64", "six"});
  ASSERT_EQ(made.exit_code, 0) << made.describe();
  ASSERT_EQ(sandbox({"network", "create", "plain"}).exit_code, 0);
  std::string busybox = rig().image("test/busybox:latest");

  auto fixed = sandbox({"run", "-d", "--name", "fixed", "--network", "six", "--ip6",
                        "fd00:5c:1:0::42", busybox, "sleep", "300"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.describe();
  auto network = sandbox({"network", "inspect", "six"});
  EXPECT_TRUE(contains(network.out, "\"ipv6\": \"fd00:5c:1::42\"")) << network.describe();
  auto container = sandbox({"inspect", "fixed"});
  EXPECT_TRUE(contains(container.out, "\"IPv6Address\": \"fd00:5c:1:0::42\"")) << container.out;
  auto shown = sandbox({"exec", "fixed", "ip", "-6", "addr", "show", "eth0"});
  EXPECT_TRUE(contains(shown.out, "fd00:5c:1::42/64")) << shown.describe();

  auto taken =
      sandbox({"run", "--rm", "--network", "six", "--ip6", "fd00:5c:1::42", busybox, "true"});
  EXPECT_EQ(taken.exit_code, 125) << taken.describe();
  EXPECT_TRUE(contains(taken.err, "--ip6 fd00:5c:1::42 is in use on network six"))
      << taken.describe();
  for (const char* outside : {"fd00:99::5", "fd00:5c:1::1", "fd00:5c:1::"}) {
    auto r = sandbox({"run", "--rm", "--network", "six", "--ip6", outside, busybox, "true"});
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "is not a free host address of network six (fd00:5c:1::/64)"))
        << r.describe();
    EXPECT_TRUE(contains(r.err, "hint: give an address inside the subnet")) << r.describe();
  }
  auto v4only =
      sandbox({"run", "--rm", "--network", "plain", "--ip6", "fd00:5c:1::9", busybox, "true"});
  EXPECT_EQ(v4only.exit_code, 125) << v4only.describe();
  EXPECT_TRUE(contains(v4only.err, "network plain has no IPv6 subnet")) << v4only.describe();
  EXPECT_TRUE(contains(v4only.err, "--ipv6")) << v4only.describe();
  auto garbage = sandbox({"run", "--rm", "--network", "six", "--ip6", "10.0.0.1", busybox, "true"});
  EXPECT_EQ(garbage.exit_code, 125) << garbage.describe();
  EXPECT_TRUE(contains(garbage.err, "--ip6 10.0.0.1: not an IPv6 address")) << garbage.describe();
  auto default_net = sandbox({"run", "--rm", "--ip6", "fd00:5c:1::9", busybox, "true"});
  EXPECT_EQ(default_net.exit_code, 125) << default_net.describe();
  EXPECT_TRUE(contains(default_net.err, "need a network of yours")) << default_net.describe();

  // network connect --ip6 on a running container.
  ASSERT_EQ(
      sandbox({"network", "create", "--ipv6", "--subnet", "fd00:5c:2::/64", "six2"}).exit_code, 0);
  auto connected = sandbox({"network", "connect", "--ip6", "fd00:5c:2::7", "six2", "fixed"});
  ASSERT_EQ(connected.exit_code, 0) << connected.describe();
  auto second = sandbox({"network", "inspect", "six2"});
  EXPECT_TRUE(contains(second.out, "\"ipv6\": \"fd00:5c:2::7\"")) << second.describe();

  ASSERT_EQ(sandbox({"rm", "-f", "fixed"}).exit_code, 0);
  auto again = sandbox({"run", "--rm", "--network", "six", "--ip6", "fd00:5c:1::42", busybox, "ip",
                        "-6", "addr", "show", "eth0"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_TRUE(contains(again.out, "fd00:5c:1::42/64")) << again.describe();
  EXPECT_FALSE(helpers_outlive_their_end());
}

// A run refused while its addresses are claimed (here --ip6 on an IPv4-only network) leaves
// no namespace helpers behind when no other container uses them.
TEST_F(UserNetworkIp6Test, RefusedAddressLeavesNoHelpersBehind) {
  ASSERT_EQ(sandbox({"network", "create", "only4"}).exit_code, 0);
  auto r = payload_run({"true"}, {"--network", "only4", "--ip6", "fd00:5c:9::9"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "network only4 has no IPv6 subnet")) << r.describe();
  EXPECT_FALSE(helpers_outlive_their_end()) << "the namespace started for the run outlived it";
}

}  // namespace
}  // namespace sbx::it
