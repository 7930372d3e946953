#include "sandbox/net/etc_files.hpp"

#include <gtest/gtest.h>

#include "sandbox/net/config.hpp"

namespace sbx::net {
namespace {

TEST(SlirpAddresses, DefaultAndCustomCidr) {
  auto a = *slirp_addresses("10.0.2.0/24");
  EXPECT_EQ(a.guest, "10.0.2.100");
  EXPECT_EQ(a.gateway, "10.0.2.2");
  EXPECT_EQ(a.dns, "10.0.2.3");
  // Host bits of the address are ignored, as slirp4netns does.
  auto b = *slirp_addresses("192.168.7.9/16");
  EXPECT_EQ(b.guest, "192.168.0.100");
  EXPECT_EQ(b.prefix_length, 16);
}

TEST(SlirpAddresses, BadCidrs) {
  for (const char* bad : {"10.0.2.0", "10.0.2.0/", "10.0.2.0/x", "10.0.2.0/26", "10.0.2.0/0",
                          "fd00::/64", "300.1.1.1/24", "/24"})
    EXPECT_FALSE(slirp_addresses(bad)) << bad;
}

TEST(IsIpAddress, Forms) {
  EXPECT_TRUE(is_ip_address("127.0.0.1"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_TRUE(is_ip_address("fd00::3"));
  EXPECT_FALSE(is_ip_address("localhost"));
  EXPECT_FALSE(is_ip_address("1.2.3"));
  EXPECT_FALSE(is_ip_address(""));
}

TEST(HostsFile, SlirpWithHostLoopbackAndExtras) {
  HostsFileInput in{.hostname = "web",
                    .container_ip = "10.0.2.100",
                    .host_gateway = "10.0.2.2",
                    .extra_hosts = {{"db", "10.0.2.2"}, {"v6", "fd00::1"}}};
  EXPECT_EQ(make_hosts_file(in),
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "10.0.2.100\tweb\n"
            "10.0.2.2\thost.containers.internal host.docker.internal\n"
            "10.0.2.2\tdb\n"
            "fd00::1\tv6\n");
}

TEST(HostsFile, NoOwnNetworkNamesTheHostnameOnLoopback) {
  auto text = make_hosts_file({.hostname = "box"});
  EXPECT_NE(text.find("127.0.1.1\tbox\n"), std::string::npos);
  EXPECT_EQ(text.find("host.containers.internal"), std::string::npos);
}

TEST(ResolvConf, SlirpForwarderReplacesHostNameservers) {
  std::string host = "# generated\nsearch corp.example\nnameserver 192.0.2.53\noptions ndots:2\n";
  EXPECT_EQ(make_resolv_conf(host, {.forwarder = "10.0.2.3"}),
            "search corp.example\noptions ndots:2\nnameserver 10.0.2.3\n");
}

TEST(ResolvConf, LoopbackResolverStillGoesThroughTheForwarder) {
  // slirp4netns sends 10.0.2.3 queries from the host's namespace: 127.0.0.53 answers there.
  EXPECT_EQ(make_resolv_conf("nameserver 127.0.0.53\n", {.forwarder = "10.0.2.3"}),
            "nameserver 10.0.2.3\n");
}

TEST(ResolvConf, NoIpv4ResolverKeepsTheHostsFile) {
  std::string host = "nameserver fd00::53\n";
  EXPECT_EQ(make_resolv_conf(host, {.forwarder = "10.0.2.3"}), host);
  EXPECT_EQ(make_resolv_conf("", {.forwarder = "10.0.2.3"}), "");
}

TEST(ResolvConf, DnsFlagsWinAndHostNetworkKeepsTheHostsFile) {
  std::string host = "nameserver 192.0.2.53\n";
  EXPECT_EQ(make_resolv_conf(host, {.forwarder = "10.0.2.3", .dns_servers = {"1.1.1.1", "::1"}}),
            "nameserver 1.1.1.1\nnameserver ::1\n");
  EXPECT_EQ(make_resolv_conf(host, {}), host);
}

TEST(ResolvConf, Ipv4NameserversParsing) {
  EXPECT_EQ(ipv4_nameservers("nameserver 1.1.1.1 # x\n  nameserver\t8.8.8.8\nnameserver ::1\n"
                             "nameservers 9.9.9.9\n#nameserver 7.7.7.7\n"),
            (std::vector<std::string>{"1.1.1.1", "8.8.8.8"}));
}

// --dns-search and --dns-option replace the host's lines; "." drops search.
TEST(ResolvConf, SearchAndOptionFlagsReplaceTheHosts) {
  std::string host = "search corp.example\noptions rotate\nnameserver 192.0.2.53\n";
  EXPECT_EQ(make_resolv_conf(host, {.forwarder = "10.0.2.3",
                                    .search = {"a.example", "b.example"},
                                    .options = {"ndots:2", "timeout:1"}}),
            "search a.example b.example\noptions ndots:2 timeout:1\nnameserver 10.0.2.3\n");
  EXPECT_EQ(make_resolv_conf(host, {.forwarder = "10.0.2.3", .search = {"."}}),
            "options rotate\nnameserver 10.0.2.3\n");
  // No forwarder (the host's network): the host's nameservers stay.
  EXPECT_EQ(make_resolv_conf(host, {.options = {"ndots:1"}}),
            "search corp.example\nnameserver 192.0.2.53\noptions ndots:1\n");
}

TEST(ResolvConf, NameserversOfConnectedNetworksComeAndGo) {
  std::string start = "search example.org\nnameserver 10.89.0.1\n";
  std::string both = add_nameserver(start, "10.89.1.1");
  EXPECT_EQ(both, start + "nameserver 10.89.1.1\n");
  EXPECT_EQ(add_nameserver(both, "10.89.1.1"), both) << "added twice";
  EXPECT_EQ(add_nameserver("nameserver 10.89.0.1", "10.89.1.1"),
            "nameserver 10.89.0.1\nnameserver 10.89.1.1\n");
  EXPECT_EQ(remove_nameserver(both, "10.89.0.1"), "search example.org\nnameserver 10.89.1.1\n");
  // Only a whole address goes: 10.89.0.10 is another server.
  std::string similar = "nameserver 10.89.0.10\nnameserver 10.89.0.1 # gw\n";
  EXPECT_EQ(remove_nameserver(similar, "10.89.0.1"), "nameserver 10.89.0.10\n");
  EXPECT_EQ(remove_nameserver(similar, "10.89.0.2"), similar);
}

}  // namespace
}  // namespace sbx::net
