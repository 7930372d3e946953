#include "sandbox/containers/network_flags.hpp"

#include <gtest/gtest.h>

#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {
namespace {

struct PublishCase {
  const char* text;
  net::PortRequest want;
};

TEST(ParsePublish, Grammar) {
  const PublishCase cases[] = {
      {"80", {"", 0, 80, "tcp"}},
      {"8080:80", {"", 8080, 80, "tcp"}},
      {"53/udp", {"", 0, 53, "udp"}},
      {"5353:53/udp", {"", 5353, 53, "udp"}},
      {"127.0.0.1:8080:80", {"127.0.0.1", 8080, 80, "tcp"}},
      {"127.0.0.1::80", {"127.0.0.1", 0, 80, "tcp"}},
      {"[::1]:8080:80/tcp", {"::1", 8080, 80, "tcp"}},
      {":80", {"", 0, 80, "tcp"}},
  };
  for (const auto& c : cases) {
    auto got = containers::parse_publish(c.text);
    ASSERT_TRUE(got) << c.text << ": " << got.error().message();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParsePublish, Rejects) {
  for (const char* bad : {"", "0", "70000", "80/sctp", "8000-8010:80", "a:80", "1.2.3.4:80:x",
                          "host:8080:80", "1:2:3:4", "[::1:80", "80:"}) {
    auto got = containers::parse_publish(bad);
    ASSERT_FALSE(got) << bad;
    EXPECT_NE(got.error().message().find(std::string("-p ") + bad), std::string::npos) << bad;
  }
  EXPECT_NE(containers::parse_publish("8000-8010:80").error().message().find("ranges"),
            std::string::npos);
}

TEST(ParseNetwork, ModesAndSlirpOptions) {
  EXPECT_EQ(containers::parse_network("")->mode, containers::NetworkMode::kSlirp4netns);
  EXPECT_EQ(containers::parse_network("none")->mode, containers::NetworkMode::kNone);
  EXPECT_EQ(containers::parse_network("host")->mode, containers::NetworkMode::kHost);
  auto plain = *containers::parse_network("slirp4netns");
  EXPECT_EQ(plain.slirp, net::SlirpOptions{});
  EXPECT_FALSE(plain.slirp.allow_host_loopback);
  EXPECT_EQ(plain.slirp.mtu, 65520);
  auto c = *containers::parse_network(
      "slirp4netns:allow_host_loopback=true,enable_ipv6=true,cidr=10.1.0.0/16,mtu=1500");
  EXPECT_EQ(c.mode, containers::NetworkMode::kSlirp4netns);
  EXPECT_TRUE(c.slirp.allow_host_loopback);
  EXPECT_TRUE(c.slirp.enable_ipv6);
  EXPECT_EQ(c.slirp.cidr, "10.1.0.0/16");
  EXPECT_EQ(c.slirp.mtu, 1500);
}

TEST(ParseNetwork, JoinsAnotherNamespace) {
  auto c = *containers::parse_network("container:web");
  EXPECT_EQ(c.mode, containers::NetworkMode::kJoin);
  EXPECT_EQ(c.join, "container:web");
  auto n = *containers::parse_network("ns:/run/user/1000/netns/x");
  EXPECT_EQ(n.mode, containers::NetworkMode::kJoin);
  EXPECT_EQ(n.join, "ns:/run/user/1000/netns/x");
  EXPECT_FALSE(containers::makes_own_network(containers::NetworkMode::kJoin));
  EXPECT_TRUE(containers::makes_own_network(containers::NetworkMode::kBridge));
}

TEST(ParseNetwork, Rejects) {
  for (const char* bad : {"bridge", "pasta", "container:", "ns:", "ns:netns/web",
                          "slirp4netns:mtu=99999", "slirp4netns:mtu=100",
                          "slirp4netns:allow_host_loopback=yes", "slirp4netns:cidr=10.0.2.0/30",
                          "slirp4netns:outbound_addr=eth0", "slirp4netns:port_handler=rootlesskit"})
    EXPECT_FALSE(containers::parse_network(bad)) << bad;
}

TEST(ParseAddHost, Forms) {
  EXPECT_EQ(*containers::parse_add_host("db:10.0.2.2"), (net::HostEntry{"db", "10.0.2.2"}));
  EXPECT_EQ(*containers::parse_add_host("db=10.0.2.2"), (net::HostEntry{"db", "10.0.2.2"}));
  EXPECT_EQ(*containers::parse_add_host("v6:fd00::1"), (net::HostEntry{"v6", "fd00::1"}));
  EXPECT_EQ(*containers::parse_add_host("v6:[fd00::1]"), (net::HostEntry{"v6", "fd00::1"}));
  EXPECT_EQ(*containers::parse_add_host("h:host-gateway"), (net::HostEntry{"h", "host-gateway"}));
  for (const char* bad : {"db", ":1.2.3.4", "db:", "db:nothost", "a b:1.2.3.4"})
    EXPECT_FALSE(containers::parse_add_host(bad)) << bad;
}

TEST(ParseDns, OnlyAddresses) {
  EXPECT_EQ(*containers::parse_dns("1.1.1.1"), "1.1.1.1");
  EXPECT_TRUE(containers::parse_dns("2606:4700::1111"));
  EXPECT_FALSE(containers::parse_dns("dns.example"));
}

TEST(ApplyNetworkFlags, PortsNeedSlirpAndMustNotRepeat) {
  containers::ContainerSpec spec;
  containers::RunFlags flags;
  flags.publish = {"8080:80", "8080:80/udp", "9090"};
  flags.dns = {"1.1.1.1"};
  flags.add_hosts = {"db:10.0.2.2"};
  ASSERT_TRUE(apply_network_flags(flags, spec));
  EXPECT_EQ(spec.network, containers::NetworkMode::kSlirp4netns);
  EXPECT_EQ(spec.ports.size(), 3u);
  EXPECT_EQ(spec.dns, (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_EQ(spec.extra_hosts.size(), 1u);

  containers::ContainerSpec twice;
  flags.publish = {"8080:80", "8080:81"};
  auto dup = apply_network_flags(flags, twice);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message().find("8080/tcp is published twice"), std::string::npos);

  for (const char* mode : {"none", "host"}) {
    containers::ContainerSpec other;
    flags.network = mode;
    flags.publish = {"80"};
    EXPECT_FALSE(apply_network_flags(flags, other)) << mode;
  }
}

containers::ContainerSpec slirp_spec(std::string network) {
  containers::RunFlags flags;
  flags.network = std::move(network);
  flags.add_hosts = {"gw:host-gateway"};
  containers::ContainerSpec spec;
  spec.hostname = "web";
  EXPECT_TRUE(apply_network_flags(flags, spec));
  return spec;
}

TEST(EtcFilesOfSpec, HostsFollowTheNetwork) {
  auto closed = make_hosts_file(slirp_spec(""));
  EXPECT_NE(closed.find("10.0.2.100\tweb\n"), std::string::npos);
  EXPECT_EQ(closed.find("host.containers.internal"), std::string::npos);
  EXPECT_NE(closed.find("10.0.2.2\tgw\n"), std::string::npos);
  auto open = make_hosts_file(slirp_spec("slirp4netns:allow_host_loopback=true,cidr=10.9.0.0/24"));
  EXPECT_NE(open.find("10.9.0.100\tweb\n"), std::string::npos);
  EXPECT_NE(open.find("10.9.0.2\thost.containers.internal"), std::string::npos);
  auto none = make_hosts_file(slirp_spec("none"));
  EXPECT_NE(none.find("127.0.1.1\tweb\n"), std::string::npos);
  EXPECT_NE(none.find("127.0.0.1\tgw\n"), std::string::npos);
}

TEST(EtcFilesOfSpec, ResolvConfFollowsTheNetwork) {
  std::string host = "nameserver 127.0.0.53\n";
  EXPECT_EQ(make_resolv_conf(host, slirp_spec("")), "nameserver 10.0.2.3\n");
  EXPECT_EQ(make_resolv_conf(host, slirp_spec("slirp4netns:cidr=10.9.0.0/24")),
            "nameserver 10.9.0.3\n");
  EXPECT_EQ(make_resolv_conf(host, slirp_spec("host")), host);
  EXPECT_EQ(make_resolv_conf(host, slirp_spec("none")), "");
}

}  // namespace
}  // namespace sbx::launch
