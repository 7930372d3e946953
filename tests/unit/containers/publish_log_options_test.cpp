// --expose and -P over the image's ExposedPorts, and --log-driver / --log-opt,
// as the spec keeps them, and the bad values each refuses.
#include <gtest/gtest.h>

#include "sandbox/containers/network_flags.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

ImageDefaults exposing_image() {
  ImageDefaults image;
  image.cmd = {"sh"};
  image.exposed_ports = {"80/tcp", "53/udp", "9/sctp", "odd"};
  return image;
}

TEST(ParseExpose, PortsRangesAndProtocols) {
  EXPECT_EQ(*parse_expose("8080"), std::vector<std::string>{"8080/tcp"});
  EXPECT_EQ(*parse_expose("53/udp"), std::vector<std::string>{"53/udp"});
  EXPECT_EQ(*parse_expose("9/sctp"), std::vector<std::string>{"9/sctp"});
  EXPECT_EQ(*parse_expose("7000-7002"),
            (std::vector<std::string>{"7000/tcp", "7001/tcp", "7002/tcp"}));
}

TEST(ParseExpose, RejectsWithTheFlagQuoted) {
  for (const char* bad : {"", "0", "70000", "80/icmp", "x", "9-7", "1-", "-1", "80:80"}) {
    auto got = parse_expose(bad);
    ASSERT_FALSE(got) << bad;
    EXPECT_NE(got.error().message().find(std::string("--expose ") + bad), std::string::npos)
        << got.error().message();
  }
}

TEST(ExposedPorts, ImagesAndFlagsMergedSortedOnce) {
  RunFlags flags;
  flags.expose = {"8080", "80/tcp", "7000-7001/udp"};
  auto spec = make_container_spec(exposing_image(), flags);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->exposed_ports, (std::vector<std::string>{"53/udp", "7000/udp", "7001/udp",
                                                           "80/tcp", "8080/tcp", "9/sctp"}));
  EXPECT_FALSE(spec->publish_all);
  EXPECT_TRUE(spec->ports.empty());  // exposed is not published
}

TEST(ExposedPorts, PublishAllAddsFreeHostPortsForTcpAndUdpNotPublishedYet) {
  RunFlags flags;
  flags.publish_all = true;
  flags.publish = {"127.0.0.1:8000:80"};
  flags.expose = {"8080"};
  auto spec = make_container_spec(exposing_image(), flags);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_TRUE(spec->publish_all);
  std::vector<net::PortRequest> want{
      {"127.0.0.1", 8000, 80, "tcp"}, {"", 0, 53, "udp"}, {"", 0, 8080, "tcp"}};
  EXPECT_EQ(spec->ports, want);
}

TEST(ExposedPorts, PublishAllWithoutANetworkOfItsOwnIsRefused) {
  RunFlags flags;
  flags.publish_all = true;
  flags.network = "none";
  auto spec = make_container_spec(exposing_image(), flags);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message().find("-P needs the container's own network"), std::string::npos)
      << spec.error().message();
  // Nothing exposed: nothing to publish, nothing refused.
  ImageDefaults bare;
  bare.cmd = {"sh"};
  EXPECT_TRUE(make_container_spec(bare, flags));
}

TEST(LogDriver, NamesAndAliases) {
  EXPECT_EQ(*parse_log_driver(""), "");
  EXPECT_EQ(*parse_log_driver("k8s-file"), "");
  EXPECT_EQ(*parse_log_driver("json-file"), "");
  EXPECT_EQ(*parse_log_driver("none"), "none");
  EXPECT_EQ(*parse_log_driver("passthrough"), "passthrough");
  auto bad = parse_log_driver("journald");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("unsupported --log-driver 'journald'"), std::string::npos);
  EXPECT_NE(bad.error().hint().find("passthrough"), std::string::npos);
}

TEST(LogDriver, SpecKeepsDriverAndPath) {
  ImageDefaults image;
  image.cmd = {"sh"};
  RunFlags flags;
  flags.log_driver = "none";
  auto none = make_container_spec(image, flags);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_EQ(log_driver_name(*none), "none");
  EXPECT_FALSE(keeps_log(*none));
  flags.log_driver = "json-file";
  flags.log_opts = {"path=/tmp/x.log"};
  auto file = make_container_spec(image, flags);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(log_driver_name(*file), "k8s-file");
  EXPECT_EQ(container_log_file(*file, "/store/c"), "/tmp/x.log");
  flags.log_opts.clear();
  EXPECT_EQ(container_log_file(*make_container_spec(image, flags), "/store/c"), "/store/c/ctr.log");
}

TEST(LogDriver, RefusesWhatCannotWork) {
  ImageDefaults image;
  image.cmd = {"sh"};
  struct Case {
    const char* driver;
    std::vector<std::string> opts;
    bool detach;
    const char* says;
  };
  const Case cases[] = {
      {"passthrough", {}, true, "cannot run detached"},
      {"", {"max-size=10m"}, false, "unsupported --log-opt 'max-size=10m'"},
      {"", {"path=relative.log"}, false, "must be an absolute file name"},
      {"", {"path=/tmp/dir/"}, false, "must be an absolute file name"},
      {"none", {"path=/tmp/x.log"}, false, "keeps no file"},
  };
  for (const auto& c : cases) {
    RunFlags flags;
    flags.log_driver = c.driver;
    flags.log_opts = c.opts;
    flags.detach = c.detach;
    auto spec = make_container_spec(image, flags);
    ASSERT_FALSE(spec) << c.says;
    EXPECT_NE(spec.error().message().find(c.says), std::string::npos) << spec.error().message();
  }
}

}  // namespace
}  // namespace sbx::containers
