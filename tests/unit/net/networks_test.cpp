#include "sandbox/net/networks.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sbx::net {
namespace {

NetworkCreateOptions named(std::string name) {
  NetworkCreateOptions o;
  o.name = std::move(name);
  return o;
}

TEST(Ipv6Net, ParseOverlapAndNth) {
  auto net = parse_ipv6_net("fd00:1:2:3::9/64");
  ASSERT_TRUE(net);
  EXPECT_EQ(format_ipv6_net(*net), "fd00:1:2:3::/64") << "host bits are cleared";
  EXPECT_EQ(format_ipv6(net->nth(1)), "fd00:1:2:3::1");
  EXPECT_EQ(format_ipv6(net->nth(0x1ff)), "fd00:1:2:3::1ff") << "a carry into the next byte";
  EXPECT_TRUE(net->overlaps(*parse_ipv6_net("fd00:1:2:3:8000::/65")));
  EXPECT_TRUE(net->overlaps(*parse_ipv6_net("fd00::/16")));
  EXPECT_FALSE(net->overlaps(*parse_ipv6_net("fd00:1:2:4::/64")));
  EXPECT_TRUE(net->contains(*parse_ipv6("fd00:1:2:3:ffff::1")));
  EXPECT_FALSE(net->contains(*parse_ipv6("fd00:1:2:2::1")));
  for (const char* bad :
       {"fd00::", "fd00::/0", "fd00::/129", "fd00::/x", "10.0.0.0/8", "/64", "fd00:::1/64"})
    EXPECT_FALSE(parse_ipv6_net(bad)) << bad;
}

TEST(Ipv6Net, UniqueLocalNetsAreFdSlash64) {
  auto a = unique_local_net(0x123456789aULL);
  EXPECT_EQ(format_ipv6_net(a), "fd9a:7856:3412::/64");
}

TEST(PlanNetwork, Ipv4OnlyByDefault) {
  auto n = plan_network(named("web"), {}, {});
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->subnet, "10.89.0.0/24");
  EXPECT_EQ(n->gateway, "10.89.0.1");
  EXPECT_EQ(n->subnet6, "");
  EXPECT_EQ(n->gateway6, "");
}

TEST(PlanNetwork, Ipv6GetsAUniqueLocalSubnetFreeOfOthersAndRoutes) {
  auto o = named("six");
  o.ipv6 = true;
  auto first = plan_network(o, {}, {}, 42);
  ASSERT_TRUE(first) << first.error().message();
  auto net = parse_ipv6_net(first->subnet6);
  ASSERT_TRUE(net) << first->subnet6;
  EXPECT_EQ(net->prefix, 64);
  EXPECT_EQ(net->address[0], 0xfd);
  EXPECT_EQ(first->gateway6, format_ipv6(net->nth(1)));
  // The same random start with that subnet taken, by a network or by a host route: another one.
  auto again = plan_network(named("seven"), {*first}, {}, 42);
  ASSERT_TRUE(again);
  o.name = "seven";
  auto other = plan_network(o, {*first}, {}, 42);
  ASSERT_TRUE(other) << other.error().message();
  EXPECT_NE(other->subnet6, first->subnet6);
  auto routed = plan_network(o, {}, HostRoutes{{}, {*net}}, 42);
  ASSERT_TRUE(routed) << routed.error().message();
  EXPECT_NE(routed->subnet6, first->subnet6);
  // Every unique local subnet routed on the host: no free one, and a hint.
  auto none = plan_network(o, {}, HostRoutes{{}, {*parse_ipv6_net("fd00::/8")}}, 42);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no free unique local"), std::string::npos);
}

TEST(PlanNetwork, GivenIpv6SubnetImpliesIpv6AndIsChecked) {
  auto o = named("given");
  o.subnets = {"fd00:a::/64", "10.90.0.0/24"};
  o.gateways = {"fd00:a::fe"};
  auto n = plan_network(o, {}, {});
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->subnet, "10.90.0.0/24");
  EXPECT_EQ(n->subnet6, "fd00:a::/64");
  EXPECT_EQ(n->gateway6, "fd00:a::fe");

  auto clash = named("clash");
  clash.subnets = {"fd00:a::8000:0:0/80"};
  auto overlap = plan_network(clash, {*n}, {});
  ASSERT_FALSE(overlap);
  EXPECT_NE(overlap.error().message().find("overlaps network given"), std::string::npos)
      << overlap.error().message();
  auto routed = plan_network(clash, {}, HostRoutes{{}, {*parse_ipv6_net("fd00:a::/32")}});
  ASSERT_FALSE(routed);
  EXPECT_NE(routed.error().message().find("overlaps the host's route"), std::string::npos);

  auto two = named("two");
  two.subnets = {"fd00:b::/64", "fd00:c::/64"};
  EXPECT_FALSE(plan_network(two, {}, {})) << "two IPv6 subnets";
  auto tiny = named("tiny");
  tiny.subnets = {"fd00:d::/124"};
  EXPECT_FALSE(plan_network(tiny, {}, {}));
  auto outside = named("outside");
  outside.subnets = {"fd00:e::/64"};
  outside.gateways = {"fd00:f::1"};
  EXPECT_FALSE(plan_network(outside, {}, {})) << "a gateway outside the subnet";
  auto no_v6 = named("nov6");
  no_v6.gateways = {"fd00:f::1"};
  EXPECT_FALSE(plan_network(no_v6, {}, {})) << "an IPv6 gateway without IPv6";
}

TEST(PlanNetwork, RecordAndNetavarkJsonCarryBothSubnets) {
  auto o = named("dual");
  o.subnets = {"fd00:a::/64"};
  auto n = plan_network(o, {}, {});
  ASSERT_TRUE(n);
  auto back = network_config_from_json(network_config_to_json(*n));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *n);
  NetworkAttachment a{*n, {"db"}, "10.89.0.2", "fd00:a::2", "eth0"};
  auto j = nlohmann::json::parse(netavark_options_json("id", "c", {a}, {}));
  EXPECT_EQ(j["networks"]["dual"]["static_ips"], nlohmann::json({"10.89.0.2", "fd00:a::2"}));
  EXPECT_EQ(j["network_info"]["dual"]["ipv6_enabled"], true);
  EXPECT_EQ(j["network_info"]["dual"]["subnets"].size(), 2U);
  EXPECT_EQ(j["network_info"]["dual"]["subnets"][1]["gateway"], "fd00:a::1");
  EXPECT_EQ(j["network_info"]["dual"]["options"]["mtu"], std::to_string(kDefaultMtu));
  // A record from before IPv6 reads as IPv4 only.
  auto old = network_config_from_json(
      R"({"name":"o","id":"x","bridge":"sbx0","subnet":"10.89.0.0/24","gateway":"10.89.0.1"})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->subnet6, "");
}

}  // namespace
}  // namespace sbx::net
