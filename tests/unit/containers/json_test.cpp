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
              {MountType::kTmpfs, "", "/tmp", false, 6, "size=64m"}};
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
