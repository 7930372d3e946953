// config.json parsing: runc's own example configs (data/runc_spec*.json, from
// `runc spec` and `runc spec --rootless` of runc 1.1.5), a podman-like rootless
// config with the fields runc's example lacks, every error path, and the
// example generator against runc's output.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/oci/config.hpp"

namespace sbx::oci {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
  auto text = read_file(std::string(SBX_OCI_TEST_DATA) + "/" + name);
  EXPECT_TRUE(text) << text.error().message();
  return text ? *text : "";
}

Config parse_ok(const std::string& text) {
  auto config = parse_config(text);
  EXPECT_TRUE(config) << config.error().message();
  return config ? *config : Config{};
}

std::vector<int> namespace_types(const Config& config) {
  std::vector<int> types;
  for (const auto& ns : config.linux.namespaces) types.push_back(ns.type);
  return types;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(OciConfig, ParsesRuncSpec) {
  Config config = parse_ok(fixture("runc_spec.json"));
  EXPECT_EQ(config.oci_version, "1.0.2-dev");
  EXPECT_EQ(config.root.path, "rootfs");
  EXPECT_TRUE(config.root.readonly);
  EXPECT_TRUE(config.process.terminal);
  EXPECT_EQ(config.process.args, std::vector<std::string>{"sh"});
  EXPECT_EQ(config.process.cwd, "/");
  EXPECT_EQ(config.process.env.size(), 2u);
  ASSERT_TRUE(config.process.capabilities);
  std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(config.process.capabilities->bounding, caps);
  EXPECT_EQ(config.process.capabilities->ambient, caps);
  EXPECT_TRUE(config.process.capabilities->inheritable.empty());
  ASSERT_EQ(config.process.rlimits.size(), 1u);
  EXPECT_EQ(config.process.rlimits[0], (security::Rlimit{RLIMIT_NOFILE, 1024, 1024}));
  EXPECT_TRUE(config.process.no_new_privileges);
  EXPECT_EQ(config.hostname, "runc");
  ASSERT_EQ(config.mounts.size(), 7u);
  EXPECT_EQ(config.mounts[2].destination, "/dev/pts");
  EXPECT_EQ(config.mounts[2].type, "devpts");
  EXPECT_TRUE(contains(config.mounts[2].options, "gid=5"));
  EXPECT_EQ(namespace_types(config), (std::vector<int>{CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                                                       CLONE_NEWUTS, CLONE_NEWNS}));
  ASSERT_TRUE(config.linux.resources);
  EXPECT_TRUE(config.linux.resources->has_device_rules);
  EXPECT_TRUE(config.linux.resources->unsupported.empty());
  EXPECT_EQ(config.linux.masked_paths.size(), 10u);
  EXPECT_EQ(config.linux.readonly_paths.size(), 5u);
  EXPECT_TRUE(config.linux.uid_mappings.empty());
  EXPECT_TRUE(config.warnings.empty());
}

TEST(OciConfig, ParsesRuncRootlessSpec) {
  Config config = parse_ok(fixture("runc_spec_rootless.json"));
  EXPECT_EQ(config.linux.uid_mappings, (std::vector<userns::IdMapEntry>{{0, 0, 1}}));
  EXPECT_EQ(config.linux.gid_mappings, (std::vector<userns::IdMapEntry>{{0, 0, 1}}));
  EXPECT_EQ(namespace_types(config), (std::vector<int>{CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS,
                                                       CLONE_NEWNS, CLONE_NEWUSER}));
  EXPECT_FALSE(config.linux.resources);
  ASSERT_EQ(config.mounts.size(), 7u);
  EXPECT_EQ(config.mounts[5].destination, "/sys");
  EXPECT_EQ(config.mounts[5].source, "/sys");
  EXPECT_TRUE(contains(config.mounts[5].options, "rbind"));
}

TEST(OciConfig, ParsesPodmanLikeRootlessConfig) {
  Config config = parse_ok(fixture("podman_rootless.json"));
  const Process& process = config.process;
  EXPECT_EQ(process.user.uid, 1000u);
  EXPECT_EQ(process.user.umask, 022u);
  EXPECT_EQ(process.user.additional_gids, (std::vector<uint32_t>{1000, 10}));
  EXPECT_EQ(process.args.size(), 4u);
  EXPECT_EQ(process.cwd, "/srv");
  EXPECT_EQ(process.env.back(), "EMPTY=");
  ASSERT_TRUE(process.console_size);
  EXPECT_EQ(process.console_size->width, 80u);
  EXPECT_EQ(process.capabilities->bounding.size(), 11u);
  EXPECT_EQ(process.capabilities->effective, (std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"}));
  ASSERT_EQ(process.rlimits.size(), 3u);
  EXPECT_EQ(process.rlimits[2], (security::Rlimit{RLIMIT_CORE, 0, RLIM_INFINITY}));
  EXPECT_EQ(process.apparmor_profile, "containers-default-0.50.1");
  EXPECT_EQ(process.oom_score_adj, 200);
  EXPECT_EQ(config.domainname, "example.test");
  EXPECT_EQ(config.annotations.at("io.container.manager"), "libpod");
  EXPECT_FALSE(config.root.readonly);

  ASSERT_EQ(config.hooks.prestart.size(), 1u);
  ASSERT_EQ(config.hooks.create_runtime.size(), 1u);
  EXPECT_EQ(config.hooks.create_runtime[0].timeout, 5);
  EXPECT_EQ(config.hooks.create_runtime[0].env, std::vector<std::string>{"DEBUG=1"});
  EXPECT_EQ(config.hooks.create_container.size(), 1u);
  EXPECT_EQ(config.hooks.start_container.size(), 1u);
  EXPECT_EQ(config.hooks.poststart.size(), 1u);
  EXPECT_EQ(config.hooks.poststop[0].args.size(), 3u);

  // runc 1.1 takes a relative mount destination from "/" and warns.
  EXPECT_EQ(config.mounts[4].destination, "/data");
  EXPECT_EQ(config.mounts[4].uid_mappings, (std::vector<userns::IdMapEntry>{{0, 1000, 1}}));
  ASSERT_EQ(config.warnings.size(), 2u);
  EXPECT_NE(config.warnings[0].find("mounts[4].destination"), std::string::npos);
  EXPECT_NE(config.warnings[1].find("linux.intelRdt"), std::string::npos);
}

TEST(OciConfig, ParsesPodmanLikeLinuxSection) {
  Linux linux_section = parse_ok(fixture("podman_rootless.json")).linux;
  ASSERT_EQ(linux_section.namespaces.size(), 8u);
  EXPECT_EQ(linux_section.namespaces[1].type, CLONE_NEWNET);
  EXPECT_EQ(linux_section.namespaces[1].path, "/run/user/1000/netns/netns-1234");
  EXPECT_EQ(linux_section.namespaces[7].type, CLONE_NEWTIME);
  EXPECT_EQ(linux_section.uid_mappings,
            (std::vector<userns::IdMapEntry>{{0, 1000, 1}, {1, 100000, 65536}}));
  EXPECT_EQ(linux_section.sysctl.at("net.ipv4.ping_group_range"), "0 0");
  EXPECT_EQ(linux_section.cgroups_path, "user.slice:libpod:abc");
  ASSERT_EQ(linux_section.devices.size(), 2u);
  EXPECT_EQ(linux_section.devices[0].minor, 229);
  EXPECT_EQ(linux_section.devices[0].file_mode, 0666u);
  EXPECT_EQ(linux_section.devices[1].type, 'p');
  EXPECT_EQ(linux_section.rootfs_propagation, "rslave");
  EXPECT_EQ(linux_section.personality, "LINUX");
  EXPECT_EQ(linux_section.time_offsets.at("boottime").secs, -5);
  EXPECT_EQ(linux_section.time_offsets.at("boottime").nanosecs, 500u);
  EXPECT_EQ(linux_section.mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
}

TEST(OciConfig, MapsResourcesAndNamesWhatItCannotModel) {
  auto resources = parse_ok(fixture("podman_rootless.json")).linux.resources;
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->memory_limit, 536870912);
  EXPECT_EQ(resources->memory_reservation, 268435456);
  EXPECT_EQ(resources->memory_swap, 1073741824);
  EXPECT_EQ(resources->cpu_shares, 512u);
  EXPECT_EQ(resources->cpu_quota, 50000);
  EXPECT_EQ(resources->cpu_period, 100000u);
  EXPECT_EQ(resources->cpuset_cpus, "0-1");
  EXPECT_EQ(resources->cpuset_mems, "0");
  EXPECT_EQ(resources->pids_limit, 2048);
  EXPECT_EQ(resources->blkio_weight, 500);
  EXPECT_EQ(resources->unified.at("io.weight"), "default 100");
  EXPECT_TRUE(resources->has_device_rules);
  // disableOOMKiller false, swappiness null and an empty throttle list ask for nothing.
  EXPECT_EQ(resources->unsupported,
            (std::vector<std::string>{"memory.kernel", "blockIO.throttleReadBpsDevice",
                                      "network.classID", "hugepageLimits", "rdma"}));
}

TEST(OciConfig, ReadsSeccompInItsOciForm) {
  auto seccomp = parse_ok(fixture("podman_rootless.json")).linux.seccomp;
  ASSERT_TRUE(seccomp);
  const security::SeccompProfile& profile = seccomp->profile;
  EXPECT_EQ(profile.default_action, security::SeccompAction::kErrno);
  EXPECT_EQ(profile.default_errno_ret, 38);
  EXPECT_EQ(profile.architectures.size(), 3u);
  EXPECT_EQ(profile.flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  ASSERT_EQ(profile.syscalls.size(), 4u);
  ASSERT_EQ(profile.syscalls[2].args.size(), 1u);
  EXPECT_EQ(profile.syscalls[2].args[0],
            (security::SeccompArg{0, 2114060288, 0, security::SeccompOp::kMaskedEqual}));
  // docker's "includes" is not part of the OCI form: ignored, as runc does.
  EXPECT_TRUE(profile.syscalls[2].includes.caps.empty());
  EXPECT_EQ(profile.syscalls[3].errno_ret, 1);
  EXPECT_TRUE(seccomp->listener_path.empty());
}

TEST(OciConfig, NullFieldsAreUnset) {
  json config = json::parse(fixture("runc_spec.json"));
  config["mounts"] = nullptr;
  config["hooks"] = nullptr;
  config["linux"]["seccomp"] = nullptr;
  config["linux"]["resources"] = nullptr;
  config["process"]["capabilities"]["ambient"] = nullptr;
  Config parsed = parse_ok(config.dump());
  EXPECT_TRUE(parsed.mounts.empty());
  EXPECT_FALSE(parsed.linux.seccomp);
  EXPECT_FALSE(parsed.linux.resources);
  EXPECT_TRUE(parsed.process.capabilities->ambient.empty());
}

}  // namespace
}  // namespace sbx::oci
