// The run flags about labels, stopping, /dev/shm and sysctls, as the spec
// keeps them, and the bad values each refuses.
#include <gtest/gtest.h>

#include "sandbox/containers/records.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

ImageDefaults image() {
  ImageDefaults image;
  image.cmd = {"sh"};
  image.labels = {{"from", "image"}, {"shared", "image"}};
  image.stop_signal = "SIGUSR1";
  return image;
}

Result<ContainerSpec> spec_with(const RunFlags& flags) {
  return make_container_spec(image(), flags);
}

TEST(RunOptions, LabelsAddToTheImagesAndWin) {
  RunFlags flags;
  flags.labels = {"shared=flag", "empty", "k=a=b"};
  auto spec = spec_with(flags);
  ASSERT_TRUE(spec) << spec.error().message();
  std::map<std::string, std::string> expected{
      {"from", "image"}, {"shared", "flag"}, {"empty", ""}, {"k", "a=b"}};
  EXPECT_EQ(spec->labels, expected);
  flags.labels = {"=x"};
  auto bad = spec_with(flags);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("--label '=x'"), std::string::npos);
}

TEST(RunOptions, StopSignalFlagBeatsTheImagesAndIsChecked) {
  RunFlags flags;
  EXPECT_EQ(spec_with(flags)->stop_signal, "SIGUSR1");
  EXPECT_EQ(spec_with(flags)->stop_timeout, -1);
  flags.stop_signal = "SIGINT";
  flags.stop_timeout = 3;
  EXPECT_EQ(spec_with(flags)->stop_signal, "SIGINT");
  EXPECT_EQ(spec_with(flags)->stop_timeout, 3);
  flags.stop_signal = "SIGNOPE";
  auto bad = spec_with(flags);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("SIGNOPE"), std::string::npos);
  flags.stop_signal.clear();
  flags.stop_timeout = -2;
  EXPECT_FALSE(spec_with(flags));
}

TEST(RunOptions, ShmSizeTakesDockersUnits) {
  RunFlags flags;
  EXPECT_EQ(spec_with(flags)->shm_size, 0u);
  flags.shm_size = "256m";
  EXPECT_EQ(spec_with(flags)->shm_size, 256ull << 20);
  for (const char* bad : {"0", "-1", "lots"}) {
    flags.shm_size = bad;
    EXPECT_FALSE(spec_with(flags)) << bad;
  }
}

TEST(RunOptions, OnlyNamespacedSysctls) {
  EXPECT_EQ(*parse_sysctl("kernel.shmmax=1000", false),
            (std::pair<std::string, std::string>{"kernel.shmmax", "1000"}));
  EXPECT_TRUE(parse_sysctl("fs.mqueue.msg_max=20", false));
  EXPECT_TRUE(parse_sysctl("net.ipv4.ip_unprivileged_port_start=0", true));
  // The host's network: its net.* are the host's.
  auto host_net = parse_sysctl("net.ipv4.ip_forward=1", false);
  ASSERT_FALSE(host_net);
  EXPECT_NE(host_net.error().message().find("host's network"), std::string::npos);
  for (const char* bad : {"kernel.hostname=x", "vm.swappiness=1", "kernel.shmmax", "=1",
                          "net/../kernel.x=1", "net..x=1", "kernel.sem=1\n2"}) {
    auto r = parse_sysctl(bad, true);
    EXPECT_FALSE(r) << bad;
  }
  auto not_namespaced = parse_sysctl("vm.swappiness=1", true);
  EXPECT_NE(not_namespaced.error().message().find("not namespaced"), std::string::npos);
}

TEST(RunOptions, SysctlsLandInTheSpec) {
  RunFlags flags;
  flags.sysctls = {"kernel.msgmax=9000", "net.ipv4.ping_group_range=0 0"};
  auto spec = spec_with(flags);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->sysctls.at("kernel.msgmax"), "9000");
  EXPECT_EQ(spec->sysctls.at("net.ipv4.ping_group_range"), "0 0");
  flags.network = "host";
  flags.sysctls = {"net.ipv4.ping_group_range=0 0"};
  EXPECT_FALSE(spec_with(flags));
}

// What `start` and `stop` read back from config.json.
TEST(RunOptions, KeptInTheContainersConfig) {
  ContainerSpec spec;
  spec.labels = {{"a", "b"}};
  spec.stop_timeout = 0;
  spec.shm_size = 1 << 20;
  spec.sysctls = {{"kernel.sem", "1 2 3 4"}};
  auto back = container_spec_from_json(container_spec_to_json(spec));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->labels, spec.labels);
  EXPECT_EQ(back->stop_timeout, 0);
  EXPECT_EQ(back->shm_size, 1u << 20);
  EXPECT_EQ(back->sysctls, spec.sysctls);
  // Unset, they are not written at all.
  std::string plain = container_spec_to_json(ContainerSpec{});
  for (const char* key : {"labels", "stop_timeout", "shm_size", "sysctls"})
    EXPECT_EQ(plain.find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace sbx::containers
