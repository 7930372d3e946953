#include "sandbox/cgroup/io_stats.hpp"

#include <gtest/gtest.h>

namespace sbx::cgroup {
namespace {

constexpr const char* kNetDev =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo:    5000      50    0    0    0     0          0         0     5000      50    0    "
    "0    0     0       0          0\n"
    "  tap0:    1234      10    0    0    0     0          0         0      648       7    0    "
    "0    0     0       0          0\n"
    "  eth1:100 1 0 0 0 0 0 0 20 1 0 0 0 0 0 0\n";

TEST(NetDev, SumsEveryInterfaceButLoopback) {
  auto io = parse_net_dev(kNetDev);
  ASSERT_TRUE(io);
  EXPECT_EQ(*io, (IoBytes{1334, 668}));
}

TEST(NetDev, OnlyLoopbackIsZeroNoInterfacesIsUnknown) {
  auto lo_only = parse_net_dev(
      "Inter-| Receive | Transmit\n face |bytes packets|bytes\n"
      "    lo: 7 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n");
  ASSERT_TRUE(lo_only);
  EXPECT_EQ(*lo_only, (IoBytes{0, 0}));
  EXPECT_FALSE(parse_net_dev(""));
  EXPECT_FALSE(parse_net_dev("garbage: x y\n"));
}

TEST(IoStat, SumsReadAndWrittenBytesOverDevices) {
  EXPECT_EQ(parse_io_stat("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
                          "254:0 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n"),
            (IoBytes{4196, 8192}));
  EXPECT_EQ(parse_io_stat(""), (IoBytes{0, 0}));
}

}  // namespace
}  // namespace sbx::cgroup
