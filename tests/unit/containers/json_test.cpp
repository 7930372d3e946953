// The container's files as JSON: round trips and tolerant reading.
#include <gtest/gtest.h>
#include <signal.h>

#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

ContainerSpec sample_spec() {
  ContainerSpec s;
  s.argv = {"sh", "-c", "echo hi"};
  s.env = {"PATH=/bin", "A=b c"};
  s.cwd = "/srv";
  s.user = "1000:1000";
  s.hostname = "box";
  s.name = "web";
  s.mounts = {{MountType::kBind, "/host", "/data", true, 0, ""},
              {MountType::kTmpfs, "", "/tmp", false, 6, "size=64m"},
              {MountType::kVolume, "cache", "/cache", false, 0, "", true, false}};
  s.read_only_rootfs = true;
  s.network = NetworkMode::kHost;
  s.keep_id = true;
  s.security.cap_add = {"NET_ADMIN"};
  s.security.cap_drop = {"ALL"};
  s.security.seccomp = "unconfined";
  s.security.no_new_privileges = false;
  s.security.ulimits = {"nofile=10:20"};
  s.tty = true;
  s.interactive = true;
  s.remove = true;
  s.stop_signal = "SIGQUIT";
  return s;
}

TEST(ContainerJson, SpecRoundTrips) {
  ContainerSpec in = sample_spec();
  auto out = container_spec_from_json(container_spec_to_json(in));
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->argv, in.argv);
  EXPECT_EQ(out->env, in.env);
  EXPECT_EQ(out->cwd, in.cwd);
  EXPECT_EQ(out->user, in.user);
  EXPECT_EQ(out->hostname, in.hostname);
  EXPECT_EQ(out->mounts, in.mounts);
  EXPECT_TRUE(out->read_only_rootfs);
  EXPECT_EQ(out->network, NetworkMode::kHost);
  EXPECT_TRUE(out->keep_id);
  EXPECT_EQ(out->security.cap_add, in.security.cap_add);
  EXPECT_EQ(out->security.cap_drop, in.security.cap_drop);
  EXPECT_EQ(out->security.seccomp, "unconfined");
  EXPECT_FALSE(out->security.no_new_privileges);
  EXPECT_EQ(out->security.ulimits, in.security.ulimits);
  EXPECT_TRUE(out->tty && out->interactive && out->remove);
  EXPECT_EQ(out->stop_signal, "SIGQUIT");
}

TEST(ContainerJson, JoinedNetworkRoundTrips) {
  ContainerSpec in = sample_spec();
  in.network = NetworkMode::kJoin;
  in.network_join = "container:web";
  auto out = container_spec_from_json(container_spec_to_json(in));
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->network, NetworkMode::kJoin);
  EXPECT_EQ(out->network_join, "container:web");
}

// --ip6 is kept; a network without one writes no "ip6" (older records stay byte for byte).
TEST(ContainerJson, UserNetworkAddressesRoundTrip) {
  ContainerSpec in = sample_spec();
  in.network = NetworkMode::kBridge;
  in.networks = {{"six", {"api"}, "10.89.0.9", "fd00:1::9"}, {"plain", {}, "", ""}};
  std::string text = container_spec_to_json(in);
  auto out = container_spec_from_json(text);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->networks, in.networks);
  EXPECT_EQ(text.find("\"ip6\""), text.rfind("\"ip6\"")) << "ip6 written for a network without it";
}

TEST(ContainerJson, MissingFieldsKeepDefaultsAndUnknownAreIgnored) {
  auto out = container_spec_from_json(R"({"argv":["true"],"future_field":{"x":1}})");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->argv, std::vector<std::string>{"true"});
  EXPECT_EQ(out->cwd, "/");
  EXPECT_TRUE(out->security.no_new_privileges);
}

TEST(ContainerJson, BadDocumentsAreErrors) {
  EXPECT_FALSE(container_spec_from_json("[1]"));
  EXPECT_FALSE(container_spec_from_json("{"));
  EXPECT_FALSE(container_spec_from_json(R"({"argv":"not a list"})"));
  EXPECT_FALSE(runtime_state_from_json("null"));
  EXPECT_FALSE(exit_record_from_json(R"({"exit_code":"x"})"));
}

TEST(ContainerJson, StateAndExitRoundTrip) {
  RuntimeState s;
  s.pid = 42;
  s.pid_start_time = 123456789012ULL;
  s.monitor_pid = 41;
  s.slirp_pid = 43;
  s.slirp_api_socket = "/run/x.sock";
  s.ports = {{"127.0.0.1", 8080, 80, "tcp"}};
  s.cgroup_path = "/sys/fs/cgroup/a";
  s.started_at = "2026-01-01T00:00:00.000000001Z";
  auto back = runtime_state_from_json(runtime_state_to_json(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pid, 42);
  EXPECT_EQ(back->pid_start_time, s.pid_start_time);
  EXPECT_EQ(back->ports, s.ports);
  EXPECT_EQ(back->slirp_api_socket, s.slirp_api_socket);
  EXPECT_EQ(back->cgroup_path, s.cgroup_path);
  auto exit = exit_record_from_json(exit_record_to_json({137, true, "t"}));
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 137);
  EXPECT_TRUE(exit->oom_killed);
}

// Documents as earlier versions wrote them (byte for byte): they still read,
// and writing what was read gives the same bytes back.
constexpr const char* kOldSpec = R"JSON({
  "argv": [
    "sh",
    "-c",
    "echo hi"
  ],
  "cgroup": {
    "limits": {
      "memory": 268435456
    },
    "manager": "systemd",
    "policy": "strict"
  },
  "cwd": "/srv",
  "env": [
    "PATH=/bin"
  ],
  "hostname": "box",
  "init": false,
  "interactive": false,
  "keep_id": true,
  "mounts": [
    {
      "data": "",
      "destination": "/data",
      "flags": 0,
      "read_only": true,
      "source": "/host",
      "type": "bind"
    },
    {
      "data": "size=64m",
      "destination": "/tmp",
      "flags": 6,
      "read_only": false,
      "source": "",
      "type": "tmpfs"
    }
  ],
  "name": "web",
  "network": "slirp4netns",
  "network_options": {
    "allow_host_loopback": true,
    "cidr": "10.0.2.0/24",
    "dns": [
      "1.1.1.1"
    ],
    "enable_ipv6": false,
    "extra_hosts": [
      {
        "ip": "10.0.2.2",
        "name": "db"
      }
    ],
    "mtu": 1500,
    "ports": [
      {
        "container_port": 80,
        "host_ip": "127.0.0.1",
        "host_port": 8080,
        "protocol": "tcp"
      }
    ]
  },
  "read_only_rootfs": true,
  "remove": false,
  "security": {
    "cap_add": [
      "NET_ADMIN"
    ],
    "cap_drop": [
      "ALL"
    ],
    "no_new_privileges": false,
    "privileged": false,
    "seccomp": "unconfined",
    "ulimits": [
      "nofile=10:20"
    ]
  },
  "stop_signal": "SIGQUIT",
  "tty": true,
  "user": "1000:1000"
}
)JSON";
constexpr const char* kOldState = R"JSON({
  "cgroup_path": "/sys/fs/cgroup/a",
  "monitor_pid": 41,
  "monitor_start_time": 7,
  "pid": 42,
  "pid_start_time": 123456789012,
  "ports": [
    {
      "container_port": 80,
      "host_ip": "0.0.0.0",
      "host_port": 8080,
      "protocol": "udp"
    }
  ],
  "slirp_api_socket": "/run/x.sock",
  "slirp_pid": 43,
  "started_at": "2026-01-01T00:00:00Z"
}
)JSON";
constexpr const char* kOldMeta = R"JSON({
  "created_at": "2026-01-01T00:00:00Z",
  "image": "busybox",
  "storage_driver": "vfs"
}
)JSON";
constexpr const char* kOldExit = R"JSON({
  "exit_code": 137,
  "finished_at": "2026-01-02T00:00:00Z",
  "oom_killed": true
}
)JSON";

TEST(ContainerJson, OldDocumentsStillReadAndWriteBackTheSameBytes) {
  auto spec = container_spec_from_json(kOldSpec);
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(spec->mounts.size(), 2u);
  EXPECT_EQ(spec->mounts[1].type, MountType::kTmpfs);
  EXPECT_EQ(spec->mounts[1].flags, 6u);
  EXPECT_EQ(spec->network, NetworkMode::kSlirp4netns);
  EXPECT_TRUE(spec->slirp.allow_host_loopback);
  EXPECT_EQ(spec->slirp.mtu, 1500);
  ASSERT_EQ(spec->ports.size(), 1u);
  EXPECT_EQ(spec->ports[0].host_port, 8080);
  EXPECT_EQ(spec->dns, std::vector<std::string>{"1.1.1.1"});
  ASSERT_EQ(spec->extra_hosts.size(), 1u);
  EXPECT_EQ(spec->extra_hosts[0].ip, "10.0.2.2");
  EXPECT_FALSE(spec->init);
  EXPECT_EQ(spec->security.ulimits, std::vector<std::string>{"nofile=10:20"});
  EXPECT_EQ(spec->cgroup.limits.memory, 268435456);
  EXPECT_EQ(container_spec_to_json(*spec), kOldSpec);

  auto state = runtime_state_from_json(kOldState);
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(state->pid_start_time, 123456789012ULL);
  ASSERT_EQ(state->ports.size(), 1u);
  EXPECT_EQ(state->ports[0].protocol, "udp");
  EXPECT_EQ(runtime_state_to_json(*state), kOldState);

  auto meta = container_meta_from_json(kOldMeta);
  ASSERT_TRUE(meta) << meta.error().message();
  EXPECT_EQ(meta->storage_driver, "vfs");
  EXPECT_EQ(container_meta_to_json(*meta), kOldMeta);

  auto exit = exit_record_from_json(kOldExit);
  ASSERT_TRUE(exit) << exit.error().message();
  EXPECT_EQ(exit->exit_code, 137);
  EXPECT_EQ(exit_record_to_json(*exit), kOldExit);
}

TEST(ContainerJson, NullFieldsKeepDefaults) {
  auto spec = container_spec_from_json(R"({"cwd":null,"mounts":[{"type":null,"source":"/x"}]})");
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->cwd, "/");
  ASSERT_EQ(spec->mounts.size(), 1u);
  EXPECT_EQ(spec->mounts[0].type, MountType::kBind);
  EXPECT_EQ(spec->mounts[0].source, "/x");
}

TEST(ContainerJson, InspectHasDockerShape) {
  ContainerInfo info;
  info.id = std::string(64, 'a');
  info.name = "web";
  info.spec = sample_spec();
  info.status = ContainerStatus::kExited;
  info.exit = ExitRecord{3, false, "2026-01-01T00:00:00Z"};
  std::string json = container_info_to_json(info);
  EXPECT_NE(json.find("\"Name\": \"/web\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"ExitCode\": 3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"Status\": \"exited\""), std::string::npos) << json;
}

TEST(LogRecords, ParsesTheK8sFileFormat) {
  auto r = parse_log_record("2026-01-01T00:00:00.000000001Z stdout F hello world");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->is_stderr);
  EXPECT_FALSE(r->partial);
  EXPECT_EQ(r->text, "hello world");
  auto p = parse_log_record("2026-01-01T00:00:00Z stderr P ");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_stderr && p->partial);
  EXPECT_EQ(p->text, "");
  auto empty_line = parse_log_record("2026-01-01T00:00:00Z stdout F");
  ASSERT_TRUE(empty_line);
  EXPECT_EQ(empty_line->text, "");
  EXPECT_FALSE(parse_log_record("garbage"));
  EXPECT_FALSE(parse_log_record("t stdin F x"));
  EXPECT_FALSE(parse_log_record("t stdout X x"));
}

TEST(Signals, NamesNumbersAndPrefixes) {
  EXPECT_EQ(parse_signal("TERM").value_or(0), SIGTERM);
  EXPECT_EQ(parse_signal("SIGKILL").value_or(0), SIGKILL);
  EXPECT_EQ(parse_signal("sigusr1").value_or(0), SIGUSR1);
  EXPECT_EQ(parse_signal("9").value_or(0), 9);
  EXPECT_EQ(parse_signal("RTMIN+1").value_or(0), SIGRTMIN + 1);
  EXPECT_FALSE(parse_signal("NOPE"));
  EXPECT_FALSE(parse_signal("0"));
  EXPECT_FALSE(parse_signal("99"));
}

}  // namespace
}  // namespace sbx::containers
