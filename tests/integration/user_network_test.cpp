// User-defined networks as the unprivileged test user: containers on one
// network reach each other by name and address, another network cannot
// reach them, a container on both reaches both, an internal network has no
// way out, and the per-user network namespace and its helpers go with the
// last container. Each test has its own store root, hence its own namespace.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cstdio>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "user_network_fixture.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

TEST_F(UserNetworkTest, ContainersOnOneNetworkReachEachOtherByNameAndOnlyThere) {
  ASSERT_EQ(sandbox({"network", "create", "front"}).exit_code, 0);
  ASSERT_EQ(sandbox({"network", "create", "back"}).exit_code, 0);
  start_server("web", {"front"}, {"--network-alias", "www"});
  std::string ip = address_of("front", "web");
  ASSERT_FALSE(ip.empty()) << sandbox({"network", "inspect", "front"}).describe();

  // By IP on the same network (payload resolves through /etc/hosts only).
  auto same = probe({"front"}, ip);
  EXPECT_EQ(same.out, "connected\n") << same.describe();
  // By name and alias through aardvark-dns (busybox's nslookup asks the DNS).
  if (rig_has_image("test/busybox:latest")) {
    auto names = run({"--network", "front"}, rig().image("test/busybox:latest"),
                     {"sh", "-c", "nslookup web && nslookup www"});
    EXPECT_EQ(names.exit_code, 0) << names.describe();
    EXPECT_TRUE(contains(names.out, "Address: " + ip)) << names.describe();
  }
  // Another network cannot reach it.
  auto other = probe({"back"}, ip);
  EXPECT_EQ(other.exit_code, 1) << other.describe();
  EXPECT_NE(other.out, "connected\n") << other.describe();
  // A container on both networks reaches it.
  auto both = probe({"back", "front"}, ip);
  EXPECT_EQ(both.out, "connected\n") << both.describe();

  EXPECT_EQ(sandbox({"rm", "-f", "web"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end())
      << "slirp4netns or the namespace holder outlived the last container";
}

TEST_F(UserNetworkTest, InternalNetworkHasNoRouteOut) {
  ASSERT_EQ(sandbox({"network", "create", "--internal", "sealed"}).exit_code, 0);
  // 10.0.2.2 is slirp4netns's gateway, reachable from any network that has a way out.
  auto out = payload_run({"net-probe", "10.0.2.2", "9", "2"}, {"--network", "sealed"});
  EXPECT_TRUE(contains(out.out, "ENETUNREACH")) << out.describe();
}

TEST_F(UserNetworkTest, PublishedPortReachesContainerOnNetwork) {
  ASSERT_EQ(sandbox({"network", "create", "pub"}).exit_code, 0);
  uint16_t port = unused_loopback_port();
  start_server("srv", {"pub"}, {"-p", "127.0.0.1:" + std::to_string(port) + ":8080"});
  EXPECT_EQ(echo_through(port), "ping\n");
  auto listed = sandbox({"port", "srv"});
  EXPECT_EQ(listed.out, "8080/tcp -> 127.0.0.1:" + std::to_string(port) + "\n")
      << listed.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "srv"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

// A killed slirp4netns of the user namespace is replaced by the next run (the
// dead one's tap0 removed first), and the new one takes over the UDP ports
// published through the old; once the last container is gone, the namespace
// is made anew and works.
TEST_F(UserNetworkTest, KilledSlirpIsReplacedByTheNextRun) {
  std::string host_address = host_ipv4();  // slirp4netns drops UDP answers to the host's loopback
  SBX_REQUIRES(!host_address.empty(), "a non-loopback IPv4 address on this host");
  ASSERT_EQ(sandbox({"network", "create", "heal"}).exit_code, 0);
  start_server("web", {"heal"});
  auto udp_port = static_cast<uint16_t>(unused_loopback_port(SOCK_DGRAM));
  auto dgram =
      sandbox({"run", "-d", "--name", "dgram", "--network", "heal", "-p",
               std::to_string(udp_port) + ":7001/udp", payload(), "payload", "udp-echo", "7001"});
  ASSERT_EQ(dgram.exit_code, 0) << dgram.describe();
  EXPECT_EQ(udp_echo(host_address, udp_port, "before"), "before");
  pid_t slirp = recorded_slirp();
  ASSERT_GT(slirp, 0);
  ASSERT_EQ(::kill(slirp, SIGKILL), 0);
  auto again = probe({"heal"}, address_of("heal", "web"));
  EXPECT_EQ(again.out, "connected\n") << again.describe();
  pid_t restarted = recorded_slirp();
  EXPECT_NE(restarted, slirp);
  EXPECT_EQ(::kill(restarted, 0), 0) << "no slirp4netns runs for the namespace";
  EXPECT_EQ(udp_echo(host_address, udp_port, "after"), "after")
      << "the new slirp4netns did not take over the published UDP port";
  EXPECT_EQ(sandbox({"rm", "-f", "web", "dgram"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
  expect_a_new_namespace_works("heal", "web2");
}

// A container's user namespace is made in the pause process's; so is the
// holder of the networks' namespace. When the pause process is ended and
// another made, a new container cannot join the old namespace: the run says
// so, naming the containers still in it, and once they are gone the next run
// makes the namespace anew.
TEST_F(UserNetworkTest, AnEndedPauseProcessIsNamedAndHealsOnceItsContainersStop) {
  use_own_runtime_dir();  // it ends the pause processes
  if (HasFatalFailure()) return;
  ASSERT_EQ(sandbox({"network", "create", "paused"}).exit_code, 0);
  start_server("old", {"paused"});
  for (pid_t pause : pause_processes(runtime_dir())) ::kill(pause, SIGKILL);
  auto refused = probe({"paused"}, address_of("paused", "old"));
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "pause process that has ended")) << refused.describe();
  EXPECT_TRUE(contains(refused.err, ": old\n")) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "sandbox stop")) << refused.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "old"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
  expect_a_new_namespace_works("paused", "new");
}

TEST_F(UserNetworkTest, CrudAndBadInput) {
  auto created = sandbox({"network", "create", "--subnet", "10.99.0.0/24", "--label", "a=b", "n1"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  auto taken = sandbox({"network", "create", "n1"});
  EXPECT_EQ(taken.exit_code, 125);
  EXPECT_TRUE(contains(taken.err, "already exists")) << taken.describe();
  auto overlap = sandbox({"network", "create", "--subnet", "10.99.0.128/25", "n2"});
  EXPECT_EQ(overlap.exit_code, 125);
  EXPECT_TRUE(contains(overlap.err, "overlaps network n1")) << overlap.describe();
  auto bad_name = sandbox({"network", "create", "-bad"});
  EXPECT_NE(bad_name.exit_code, 0) << bad_name.describe();
  auto ls = sandbox({"network", "ls", "--format", "json", "--filter", "label=a=b"});
  EXPECT_TRUE(contains(ls.out, "\"subnet\": \"10.99.0.0/24\"")) << ls.describe();
  auto bad_ctr = payload_run({"net-probe", "127.0.0.1", "9", "1"},
                             {"--network", "n1", "--name", "under_score"});
  EXPECT_EQ(bad_ctr.exit_code, 125);
  EXPECT_TRUE(contains(bad_ctr.err, "not a valid DNS name")) << bad_ctr.describe();
  auto missing = payload_run({"net-probe", "127.0.0.1", "9", "1"}, {"--network", "nope"});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_TRUE(contains(missing.err, "no such network: nope")) << missing.describe();

  // In use: refused, then -f removes the container with it.
  auto made = sandbox({"run", "--name", "user1", "--network", "n1", payload(), "payload",
                       "net-probe", "127.0.0.1", "9", "1"});
  ASSERT_EQ(made.exit_code, 1) << made.describe();
  auto in_use = sandbox({"network", "rm", "n1"});
  EXPECT_EQ(in_use.exit_code, 125);
  EXPECT_TRUE(contains(in_use.err, "in use by container user1")) << in_use.describe();
  EXPECT_EQ(sandbox({"network", "rm", "-f", "n1"}).exit_code, 0);
  EXPECT_EQ(sandbox({"network", "ls", "-q"}).out, "");
  ASSERT_EQ(sandbox({"network", "create", "unused"}).exit_code, 0);
  EXPECT_EQ(sandbox({"network", "prune"}).out, "unused\n");
}

TEST_F(UserNetworkTest, ConnectAndDisconnectARunningContainer) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  ASSERT_EQ(sandbox({"network", "create", "home"}).exit_code, 0);
  ASSERT_EQ(sandbox({"network", "create", "away"}).exit_code, 0);
  start_server("peer", {"away"});
  auto cli = sandbox({"run", "-d", "--name", "cli", "--network", "home",
                      rig().image("test/busybox:latest"), "sleep", "300"});
  ASSERT_EQ(cli.exit_code, 0) << cli.describe();
  // busybox's nc asks the DNS (aardvark-dns) for the name.
  auto busybox_says = [&](const std::string& script) {
    return sandbox({"exec", "cli", "sh", "-c", script}).out;
  };
  const std::string talk = "echo ping | nc -w 3 peer 8080";
  EXPECT_NE(busybox_says(talk), "ping\n") << "reached a network it is not on";

  auto connected = sandbox({"network", "connect", "--alias", "client", "away", "cli"});
  ASSERT_EQ(connected.exit_code, 0) << connected.describe();
  EXPECT_EQ(busybox_says(talk), "ping\n");
  EXPECT_FALSE(address_of("away", "cli").empty()) << "network inspect does not show it";
  auto twice = sandbox({"network", "connect", "away", "cli"});
  EXPECT_EQ(twice.exit_code, 125);
  EXPECT_TRUE(contains(twice.err, "already connected")) << twice.describe();
  // Each network's gateway answers names: without its first network, names on the one it was
  // connected to still resolve.
  auto gateway = [&](const std::string& network) {
    return sandbox({"network", "ls", "--filter", "name=" + network, "--format", "{{.Gateway}}"})
        .out;
  };
  std::string resolv = busybox_says("grep nameserver /etc/resolv.conf");
  EXPECT_EQ(resolv, "nameserver " + gateway("home") + "nameserver " + gateway("away"));
  ASSERT_EQ(sandbox({"network", "disconnect", "home", "cli"}).exit_code, 0);
  EXPECT_EQ(busybox_says("grep nameserver /etc/resolv.conf"), "nameserver " + gateway("away"));
  EXPECT_EQ(busybox_says(talk), "ping\n") << "names on its other network no longer resolve";

  auto gone = sandbox({"network", "disconnect", "away", "cli"});
  ASSERT_EQ(gone.exit_code, 0) << gone.describe();
  EXPECT_NE(busybox_says(talk), "ping\n") << "still reaches it after disconnect";
  EXPECT_TRUE(address_of("away", "cli").empty());
  auto not_on = sandbox({"network", "disconnect", "away", "cli"});
  EXPECT_EQ(not_on.exit_code, 125);
  EXPECT_TRUE(contains(not_on.err, "not connected")) << not_on.describe();
  auto default_net = sandbox({"run", "-d", "--name", "plain", payload(), "payload", "sleep", "60"});
  ASSERT_EQ(default_net.exit_code, 0) << default_net.describe();
  auto refused = sandbox({"network", "connect", "away", "plain"});
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_TRUE(contains(refused.err, "does not run on a network of yours")) << refused.describe();

  EXPECT_EQ(sandbox({"rm", "-f", "cli", "peer", "plain"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

// UDP by name: busybox's tftp asks the DNS for the server's name and sends its request there;
// the payload's udp-echo, told to serve one datagram, exits 0 once one arrives.
TEST_F(UserNetworkTest, UdpReachesAContainerByName) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  ASSERT_EQ(sandbox({"network", "create", "dgram"}).exit_code, 0);
  ASSERT_EQ(sandbox({"network", "create", "other"}).exit_code, 0);
  auto srv = sandbox({"run", "-d", "--name", "udpsrv", "--network", "dgram", payload(), "payload",
                      "udp-echo", "9000", "1"});
  ASSERT_EQ(srv.exit_code, 0) << srv.describe();
  std::string ip = address_of("dgram", "udpsrv");
  ASSERT_FALSE(ip.empty());
  const std::string send = "timeout 3 tftp -g -r probe -l /tmp/x ";
  // From another network the datagram does not arrive: the server still runs.
  run({"--network", "other"}, rig().image("test/busybox:latest"),
      {"sh", "-c", send + ip + " 9000"});
  auto still = sandbox({"ps", "-q", "--filter", "name=udpsrv"});
  EXPECT_FALSE(still.out.empty()) << "a datagram crossed networks";
  auto sent = run({"--network", "dgram"}, rig().image("test/busybox:latest"),
                  {"sh", "-c", send + "udpsrv 9000"});
  EXPECT_FALSE(contains(sent.err, "bad address")) << sent.describe();
  auto waited = sandbox({"wait", "udpsrv"}, {.timeout = std::chrono::seconds(20)});
  EXPECT_EQ(waited.out, "0\n") << waited.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "udpsrv"}).exit_code, 0);
}

// --network container:NAME shares the running container's network namespace: a server there is
// reached on 127.0.0.1; ns:PATH joins one by path, and one outside sandbox's user namespaces is
// refused with a clear error.
TEST_F(UserNetworkTest, ContainerAndPathNetworkNamespacesAreShared) {
  start_server("host1", {});
  auto shared =
      payload_run({"net-probe", "127.0.0.1", "8080", "3"}, {"--network", "container:host1"});
  EXPECT_EQ(shared.out, "connected\n") << shared.describe();
  auto own = payload_run({"net-probe", "127.0.0.1", "8080", "2"});
  EXPECT_NE(own.out, "connected\n") << "a container of its own network reached the server";

  auto pid = sandbox({"inspect", "--format", "{{.State.Pid}}", "host1"});
  ASSERT_EQ(pid.exit_code, 0) << pid.describe();
  std::string path = "/proc/" + std::string(trim_newline(pid.out)) + "/ns/net";
  auto by_path = payload_run({"net-probe", "127.0.0.1", "8080", "3"}, {"--network", "ns:" + path});
  EXPECT_EQ(by_path.out, "connected\n") << by_path.describe();

  auto foreign =
      payload_run({"net-probe", "127.0.0.1", "8080", "1"}, {"--network", "ns:/proc/self/ns/net"});
  EXPECT_EQ(foreign.exit_code, 125) << foreign.describe();
  EXPECT_TRUE(contains(foreign.err, "outside sandbox's")) << foreign.describe();
  auto missing = payload_run({"true"}, {"--network", "container:nobody"});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_TRUE(contains(missing.err, "nobody")) << missing.describe();
  auto relative = payload_run({"true"}, {"--network", "ns:netns"});
  EXPECT_EQ(relative.exit_code, 125);
  EXPECT_TRUE(contains(relative.err, "expected container:NAME or ns:PATH")) << relative.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "host1"}).exit_code, 0);
}

// The host port of a container on a user network is free again once it ends, while another
// container keeps the namespace (and its slirp4netns) alive.
TEST_F(UserNetworkTest, PublishedPortIsFreedWhenItsContainerEnds) {
  ASSERT_EQ(sandbox({"network", "create", "reuse"}).exit_code, 0);
  start_server("keeper", {"reuse"});
  uint16_t port = unused_loopback_port();
  std::string publish = "127.0.0.1:" + std::to_string(port) + ":8080";
  start_server("first", {"reuse"}, {"-p", publish});
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  ASSERT_EQ(sandbox({"rm", "-f", "first"}).exit_code, 0);
  start_server("second", {"reuse"}, {"-p", publish});
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  EXPECT_EQ(sandbox({"rm", "-f", "second", "keeper"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

// A killed port forwarder is replaced by the next run on the namespace, and
// the replacement takes over the ports the earlier containers published: they
// answer again on the same host ports.
TEST_F(UserNetworkTest, KilledForwarderIsReplacedWithTheEarlierPorts) {
  ASSERT_EQ(sandbox({"network", "create", "refwd"}).exit_code, 0);
  auto first_port = static_cast<uint16_t>(unused_loopback_port());
  start_server("first", {"refwd"}, {"-p", "127.0.0.1:" + std::to_string(first_port) + ":8080"});
  EXPECT_EQ(echo_once_listening(first_port), "ping\n");
  pid_t forwarder = recorded_forwarder();
  ASSERT_GT(forwarder, 0);
  ASSERT_EQ(::kill(forwarder, SIGKILL), 0);
  for (int i = 0; i < 200 && process_runs(forwarder); ++i) ::usleep(50 * 1000);
  ASSERT_FALSE(process_runs(forwarder));
  EXPECT_EQ(echo_through(first_port), "") << "the killed forwarder still answers";

  auto second_port = static_cast<uint16_t>(unused_loopback_port());
  start_server("second", {"refwd"}, {"-p", "127.0.0.1:" + std::to_string(second_port) + ":8080"});
  EXPECT_NE(recorded_forwarder(), forwarder);
  EXPECT_EQ(echo_once_listening(second_port), "ping\n");
  EXPECT_EQ(echo_once_listening(first_port), "ping\n") << "the earlier port was not taken over";
  EXPECT_EQ(sandbox({"rm", "-f", "first", "second"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

TEST_F(UserNetworkTest, ListFormatsAndFilters) {
  ASSERT_EQ(sandbox({"network", "create", "--label", "tier=web", "alpha"}).exit_code, 0);
  ASSERT_EQ(sandbox({"network", "create", "beta"}).exit_code, 0);
  auto t = sandbox({"network", "ls", "--format", "{{.Name}} {{.Driver}} {{len .Labels}}"});
  EXPECT_EQ(t.out, "alpha bridge 1\nbeta bridge 0\n") << t.describe();
  auto table = sandbox({"network", "ls", "--format", "table {{.Name}}\t{{.Labels.tier}}",
                        "--filter", "label=tier=web"});
  EXPECT_TRUE(contains(table.out, "NAME")) << table.describe();
  EXPECT_TRUE(contains(table.out, "alpha")) << table.describe();
  EXPECT_TRUE(contains(table.out, "web")) << table.describe();
  auto id = sandbox({"network", "ls", "--filter", "name=alpha", "--format", "{{.ID}}"});
  ASSERT_EQ(id.out.size(), 13U) << id.describe();
  auto by_id = sandbox({"network", "ls", "-q", "--filter", "id=" + id.out.substr(0, 6)});
  EXPECT_EQ(by_id.out, "alpha\n") << by_id.describe();
  EXPECT_EQ(sandbox({"network", "ls", "-q", "--filter", "driver=macvlan"}).out, "");
  EXPECT_EQ(sandbox({"network", "ls", "-q", "--filter", "label=tier"}).out, "alpha\n");
  auto bad = sandbox({"network", "ls", "--filter", "colour=red"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "expected name=")) << bad.describe();
  auto bad_template = sandbox({"network", "ls", "--format", "{{.Name"});
  EXPECT_EQ(bad_template.exit_code, 125) << bad_template.describe();
}

// A route of the host the user sees (/proc/net/route), other than the default: "" when none.
std::string host_route() {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);  // the header
  while (std::getline(routes, line)) {
    char iface[64];
    unsigned dest = 0, gw = 0, flags = 0, mask = 0;
    if (std::sscanf(line.c_str(), "%63s %x %x %x %*d %*d %*d %x", iface, &dest, &gw, &flags,
                    &mask) != 5 ||
        mask == 0)
      continue;
    in_addr a{dest & mask};
    return std::string(inet_ntoa(a)) + "/" + std::to_string(__builtin_popcount(mask));
  }
  return "";
}

TEST_F(UserNetworkTest, BadInputNamesTheFix) {
  if (std::string route = host_route(); !route.empty()) {
    auto r = sandbox({"network", "create", "--subnet", route, "clash"});
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "overlaps the host's route")) << r.describe();
  }
  // Bad IPv6 subnets: said so, and nothing is made.
  auto two_v6 =
      sandbox({"network", "create", "--subnet", "fd00:1::/64", "--subnet", "fd00:2::/64", "six"});
  EXPECT_EQ(two_v6.exit_code, 125);
  EXPECT_TRUE(contains(two_v6.err, "two IPv6 values")) << two_v6.describe();
  auto tiny_v6 = sandbox({"network", "create", "--subnet", "fd00:1::/126", "six"});
  EXPECT_EQ(tiny_v6.exit_code, 125);
  EXPECT_TRUE(contains(tiny_v6.err, "too small")) << tiny_v6.describe();
  EXPECT_EQ(sandbox({"network", "ls", "-q"}).out, "");
  ASSERT_EQ(sandbox({"network", "create", "fine"}).exit_code, 0);
  for (const char* variable : {"SANDBOX_NETAVARK", "SANDBOX_AARDVARK_DNS"}) {
    RunOptions options;
    options.env = {std::string(variable) + "=/nonexistent/helper"};
    auto r = sandbox({"run", "--rm", "--network", "fine", payload(), "payload", "true"}, options);
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "is not installed")) << r.describe();
    EXPECT_TRUE(contains(r.err, "apt-get install")) << r.describe();
  }
  auto no_network = sandbox({"network", "connect", "nowhere", "nobody"});
  EXPECT_EQ(no_network.exit_code, 125);
  EXPECT_TRUE(contains(no_network.err, "no such network: nowhere")) << no_network.describe();
  auto no_container = sandbox({"network", "connect", "fine", "nobody"});
  EXPECT_EQ(no_container.exit_code, 125);
  EXPECT_TRUE(contains(no_container.err, "nobody")) << no_container.describe();
}

// Without --root the networks are the default store's ($XDG_DATA_HOME/sandbox), not a dir in
// the working directory.
TEST_F(UserNetworkTest, NetworksOfTheDefaultStore) {
  fs::path data = root().parent_path() / "default-data";
  RunOptions options;
  options.env = {"XDG_DATA_HOME=" + data.native(), "HOME=" + data.native()};
  auto created = run_sandbox({"network", "create", "plain"}, options);
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  EXPECT_TRUE(fs::exists(data / "sandbox/networks/plain.json"));
  EXPECT_EQ(run_sandbox({"network", "ls", "-q"}, options).out, "plain\n");
  EXPECT_EQ(run_sandbox({"network", "rm", "plain"}, options).exit_code, 0);
}

// A dual-stack network: inspect shows both subnets and each container's IPv6 address,
// aardvark-dns answers the name with it (AAAA), and TCP over IPv6 reaches the container; an
// overlapping IPv6 subnet is refused, and a container of another dual-stack network cannot
// reach it over IPv6.
TEST_F(UserNetworkTest, DualStackContainersTalkOverIpv6ByName) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  if (::access("/proc/sys/net/ipv6", F_OK) != 0) GTEST_SKIP() << "requires: IPv6 in the kernel";
  auto made = sandbox({"network", "create", "--ipv6", "--subnet", "fd00:5b:1::/64", "dual"});
  ASSERT_EQ(made.exit_code, 0) << made.describe();
  auto overlap = sandbox({"network", "create", "--subnet", "fd00:5b::/32", "clash"});
  EXPECT_EQ(overlap.exit_code, 125);
  EXPECT_TRUE(contains(overlap.err, "overlaps network dual")) << overlap.describe();
  ASSERT_EQ(sandbox({"network", "create", "--ipv6", "apart"}).exit_code, 0);

  std::string busybox = rig().image("test/busybox:latest");
  auto srv = sandbox({"run", "-d", "--name", "srv6", "--network", "dual", busybox, "nc", "-ll",
                      "-p", "8080", "-e", "cat"});
  ASSERT_EQ(srv.exit_code, 0) << srv.describe();
  auto inspect = sandbox({"network", "inspect", "dual"});
  EXPECT_TRUE(contains(inspect.out, "\"subnet\": \"fd00:5b:1::/64\"")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "\"gateway\": \"fd00:5b:1::1\"")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "\"subnet\": \"10.89.")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "\"ipv6_enabled\": true")) << inspect.out;
  EXPECT_TRUE(contains(inspect.out, "\"ipv6\": \"fd00:5b:1::2\"")) << inspect.out;

  // The AAAA answer for srv6, then a line echoed back over IPv6 (retried while nc starts).
  const std::string talk =
      "a=$(nslookup -type=aaaa srv6 | sed -n 's/^Address: *//p' | grep : | tail -n 1); "
      "echo \"aaaa=$a\"; for i in 1 2 3 4 5 6 7 8 9 10; do "
      "r=$(echo ping6 | nc -w 2 \"$a\" 8080) && [ -n \"$r\" ] && break; sleep 0.3; done; "
      "echo \"got=$r\"";
  auto same = run({"--network", "dual"}, busybox, {"sh", "-c", talk});
  EXPECT_TRUE(contains(same.out, "aaaa=fd00:5b:1::2\n")) << same.describe();
  EXPECT_TRUE(contains(same.out, "got=ping6\n")) << same.describe();
  auto other = run({"--network", "apart"}, busybox,
                   {"sh", "-c", "echo ping6 | nc -w 2 fd00:5b:1::2 8080; echo \"rc=$?\""});
  EXPECT_FALSE(contains(other.out, "ping6")) << "IPv6 crossed networks: " << other.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "srv6"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end());
}

}  // namespace
}  // namespace sbx::it
