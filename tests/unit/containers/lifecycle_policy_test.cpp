// Restart policies, health checks and generate systemd's unit: the pure parts.
#include <gtest/gtest.h>

#include "sandbox/containers/health.hpp"
#include "sandbox/containers/records.hpp"
#include "sandbox/containers/restart.hpp"
#include "sandbox/containers/spec.hpp"
#include "sandbox/containers/systemd_unit.hpp"

namespace sbx::containers {
namespace {

using std::chrono::milliseconds;

TEST(RestartPolicyTest, ParsesDockersForms) {
  EXPECT_EQ(parse_restart_policy("no").value(), (RestartPolicy{"no", 0}));
  EXPECT_EQ(parse_restart_policy("always").value(), (RestartPolicy{"always", 0}));
  EXPECT_EQ(parse_restart_policy("unless-stopped").value(), (RestartPolicy{"unless-stopped", 0}));
  EXPECT_EQ(parse_restart_policy("on-failure").value(), (RestartPolicy{"on-failure", 0}));
  EXPECT_EQ(parse_restart_policy("on-failure:2").value(), (RestartPolicy{"on-failure", 2}));
  EXPECT_EQ(to_string(parse_restart_policy("on-failure:2").value()), "on-failure:2");
}

TEST(RestartPolicyTest, RefusesWhatDockerRefuses) {
  for (const char* bad : {"sometimes", "always:3", "on-failure:", "on-failure:-1", "on-failure:x",
                          "on-failure:3x", "on-failure:99999999999"}) {
    auto parsed = parse_restart_policy(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message().find(bad), std::string::npos) << bad;
  }
}

TEST(RestartPolicyTest, ConflictsWithRm) {
  RunFlags flags;
  flags.restart = "always";
  flags.rm = true;
  auto spec = make_container_spec(ImageDefaults{.cmd = {"/x"}}, flags);
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message().find("--restart and --rm"), std::string::npos);
  flags.restart = "no";
  EXPECT_TRUE(make_container_spec(ImageDefaults{.cmd = {"/x"}}, flags));
}

TEST(RestartDelayTest, FollowsThePolicy) {
  RestartRecord fresh;
  EXPECT_FALSE(restart_delay({"no", 0}, fresh, 1, milliseconds(0)));
  EXPECT_FALSE(restart_delay({"on-failure", 0}, fresh, 0, milliseconds(0)));
  EXPECT_EQ(restart_delay({"on-failure", 0}, fresh, 1, milliseconds(0)), milliseconds(100));
  EXPECT_EQ(restart_delay({"always", 0}, fresh, 0, milliseconds(0)), milliseconds(100));
  EXPECT_EQ(restart_delay({"unless-stopped", 0}, fresh, 0, milliseconds(0)), milliseconds(100));
}

TEST(RestartDelayTest, OnFailureStopsAtItsMaximum) {
  RestartRecord record{.count = 1, .backoff_ms = 100};
  EXPECT_TRUE(restart_delay({"on-failure", 2}, record, 1, milliseconds(0)));
  record.count = 2;
  EXPECT_FALSE(restart_delay({"on-failure", 2}, record, 1, milliseconds(0)));
  EXPECT_TRUE(restart_delay({"always", 0}, record, 1, milliseconds(0)));
}

TEST(RestartDelayTest, NothingAfterTheUsersStop) {
  RestartRecord record{.stopped_by_user = true};
  EXPECT_FALSE(restart_delay({"always", 0}, record, 0, milliseconds(0)));
  EXPECT_FALSE(restart_delay({"unless-stopped", 0}, record, 1, milliseconds(0)));
}

TEST(RestartDelayTest, BacksOffDoublingToAMinuteAndResetsAfterTenSeconds) {
  RestartRecord record{.count = 3, .backoff_ms = 100};
  EXPECT_EQ(restart_delay({"always", 0}, record, 0, milliseconds(50)), milliseconds(200));
  record.backoff_ms = 40'000;
  EXPECT_EQ(restart_delay({"always", 0}, record, 0, milliseconds(50)), milliseconds(60'000));
  EXPECT_EQ(restart_delay({"always", 0}, record, 0, milliseconds(10'000)), milliseconds(100));
}

TEST(RestartRecordTest, RoundTripsAndRefusesGarbage) {
  RestartRecord record{.count = 4, .backoff_ms = 800, .stopped_by_user = true};
  EXPECT_EQ(restart_record_from_json(restart_record_to_json(record)).value(), record);
  EXPECT_FALSE(restart_record_from_json("[1]"));
  EXPECT_FALSE(restart_record_from_json("{\"count\": \"x\"}"));
}

TEST(SpecJsonTest, KeepsRestartAndHealth) {
  ContainerSpec spec;
  spec.restart = {"on-failure", 5};
  spec.health = {{"CMD", "true"}, 1'000'000'000, 2'000'000'000, 0, 4};
  auto back = container_spec_from_json(container_spec_to_json(spec)).value();
  EXPECT_EQ(back.restart, spec.restart);
  EXPECT_EQ(back.health, spec.health);
  // A spec without them writes neither (older records keep their bytes).
  std::string plain = container_spec_to_json(ContainerSpec{});
  EXPECT_EQ(plain.find("restart"), std::string::npos);
  EXPECT_EQ(plain.find("health"), std::string::npos);
}

TEST(DurationTest, ParsesGoDurations) {
  EXPECT_EQ(parse_duration_ns("30s").value(), 30'000'000'000);
  EXPECT_EQ(parse_duration_ns("1m30s").value(), 90'000'000'000);
  EXPECT_EQ(parse_duration_ns("500ms").value(), 500'000'000);
  EXPECT_EQ(parse_duration_ns("1.5h").value(), 5'400'000'000'000);
  EXPECT_EQ(parse_duration_ns("0").value(), 0);
  for (const char* bad : {"", "30", "s", "1x", "-1s", "1s2", "9999999999999h"})
    EXPECT_FALSE(parse_duration_ns(bad)) << bad;
}

TEST(HealthConfigTest, FlagsOverTheImage) {
  HealthConfig image{{"CMD-SHELL", "curl -f localhost"}, 5'000'000'000, 0, 0, 2};
  HealthFlags flags;
  EXPECT_EQ(make_health_config(image, flags).value(), image);
  flags.interval = "1s";
  flags.retries = 7;
  auto merged = make_health_config(image, flags).value();
  EXPECT_EQ(merged.test, image.test);
  EXPECT_EQ(merged.interval_ns, 1'000'000'000);
  EXPECT_EQ(merged.retries, 7);
  flags = {};
  flags.cmd = "test -e /ok";
  EXPECT_EQ(make_health_config({}, flags).value().test,
            (std::vector<std::string>{"CMD-SHELL", "test -e /ok"}));
  EXPECT_EQ(health_command(make_health_config({}, flags).value()),
            (std::vector<std::string>{"/bin/sh", "-c", "test -e /ok"}));
  flags.cmd = R"(["CMD", "payload", "exit", "0"])";
  EXPECT_EQ(health_command(make_health_config({}, flags).value()),
            (std::vector<std::string>{"payload", "exit", "0"}));
  flags.cmd = R"(["payload", "exit"])";  // podman: a bare argv is CMD
  EXPECT_EQ(make_health_config({}, flags).value().test[0], "CMD");
}

TEST(HealthConfigTest, RefusesBadFlags) {
  HealthFlags flags;
  flags.none = true;
  EXPECT_EQ(make_health_config({{"CMD", "x"}}, flags).value().test,
            (std::vector<std::string>{"NONE"}));
  EXPECT_FALSE(has_healthcheck(make_health_config({{"CMD", "x"}}, flags).value()));
  flags.cmd = "true";
  EXPECT_FALSE(make_health_config({}, flags));  // conflicts with --no-healthcheck
  for (const char* bad : {"[", "[1, 2]", "[]", R"(["CMD"])", ""}) {
    HealthFlags f;
    f.cmd = bad;
    EXPECT_FALSE(make_health_config({}, f)) << bad;
  }
  HealthFlags interval;
  interval.interval = "0s";
  interval.cmd = "true";
  EXPECT_FALSE(make_health_config({}, interval));
  HealthFlags retries;
  retries.retries = 0;
  retries.cmd = "true";
  EXPECT_FALSE(make_health_config({}, retries));
  HealthFlags alone;
  alone.interval = "1s";
  EXPECT_FALSE(make_health_config({}, alone));  // nothing to run
}

TEST(HealthConfigTest, ReadsTheImagesHealthcheck) {
  auto config = image_health_config(
      R"({"config": {"Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 1000000000,
          "Retries": 2}}})");
  EXPECT_EQ(config.test, (std::vector<std::string>{"CMD-SHELL", "true"}));
  EXPECT_EQ(config.interval_ns, 1'000'000'000);
  EXPECT_EQ(config.retries, 2);
  EXPECT_TRUE(image_health_config(R"({"config": {}})").test.empty());
  EXPECT_TRUE(image_health_config("not json").test.empty());
  EXPECT_TRUE(image_health_config(R"({"config": {"Healthcheck": {"Test": "x"}}})").test.empty());
}

HealthProbe probe(int code) { return {"s", "e", code, "out"}; }

TEST(HealthStateTest, FollowsDockersRules) {
  HealthConfig config{{"CMD", "x"}, 0, 0, 0, 2};
  HealthState state;
  EXPECT_EQ(state.status, "starting");
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "starting");
  EXPECT_EQ(state.failing_streak, 1);
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "unhealthy");
  record_probe(state, config, probe(0), false);
  EXPECT_EQ(state.status, "healthy");
  EXPECT_EQ(state.failing_streak, 0);
  for (int i = 0; i < 10; ++i) record_probe(state, config, probe(0), false);
  EXPECT_EQ(state.log.size(), kHealthLogMax);
}

TEST(HealthStateTest, StartPeriodFailuresDoNotCount) {
  HealthConfig config{{"CMD", "x"}, 0, 0, 0, 1};
  HealthState state;
  record_probe(state, config, probe(1), true);
  EXPECT_EQ(state.status, "starting");
  EXPECT_EQ(state.failing_streak, 0);
  record_probe(state, config, probe(0), true);
  record_probe(state, config, probe(1), true);  // started: counted now
  EXPECT_EQ(state.status, "unhealthy");
}

TEST(HealthStateTest, HostileOutputIsCutAndStaysJson) {
  HealthState state;
  HealthProbe p = probe(1);
  p.output = std::string(100'000, 'x') + "\xff\xfe\"";
  record_probe(state, {{"CMD", "x"}}, p, false);
  EXPECT_EQ(state.log.back().output.size(), kHealthOutputMax);
  state.log.back().output = "bad \xff utf-8 \"quoted\"\n";
  auto back = health_state_from_json(health_state_to_json(state));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, state.status);
  EXPECT_EQ(back->log.size(), 1u);
}

TEST(SystemdUnitTest, StartsAndStopsTheContainer) {
  SystemdUnitRequest r;
  r.container = "web";
  r.sandbox = "/usr/bin/sandbox";
  r.global_args = {"--root", "/home/a b/store"};
  r.stop_timeout = 5;
  r.pid_file = "/run/user/1000/sandbox/k/id/monitor.pid";
  std::string unit = systemd_unit(r).value();
  EXPECT_NE(unit.find("ExecStart=/usr/bin/sandbox --root \"/home/a b/store\" start web\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("ExecStop=/usr/bin/sandbox --root \"/home/a b/store\" stop -t 5 web\n"),
            std::string::npos);
  EXPECT_NE(unit.find("PIDFile=/run/user/1000/sandbox/k/id/monitor.pid\n"), std::string::npos);
  EXPECT_NE(unit.find("Type=forking\n"), std::string::npos);
  EXPECT_NE(unit.find("Restart=on-failure\n"), std::string::npos);
  EXPECT_NE(unit.find("WantedBy=default.target\n"), std::string::npos);
  r.restart_policy = "sometimes";
  EXPECT_FALSE(systemd_unit(r));
}

TEST(SystemdUnitTest, NewRunsAFreshContainer) {
  SystemdUnitRequest r;
  r.container = "web";
  r.sandbox = "/usr/bin/sandbox";
  r.fresh = true;
  r.run_flags = {"-dit",       "--name", "old", "--restart=always", "-e",
                 "A=%h $HOME", "--rm",   "-p",  "8080:80"};
  r.run_image_args = {"img", "-d", "--rm"};  // the command's own words stay
  std::string unit = systemd_unit(r).value();
  EXPECT_NE(unit.find("ExecStart=/usr/bin/sandbox run --rm --name web -it -e \"A=%%h $$HOME\" -p "
                      "8080:80 img -d --rm\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("ExecStartPre=-/usr/bin/sandbox rm -f web\n"), std::string::npos);
  EXPECT_NE(unit.find("ExecStop=/usr/bin/sandbox stop -t 10 web\n"), std::string::npos);
  EXPECT_NE(unit.find("Type=simple\n"), std::string::npos);
}

TEST(SystemdUnitTest, QuotesHostileWords) {
  EXPECT_EQ(systemd_word("plain"), "plain");
  EXPECT_EQ(systemd_word(""), "\"\"");
  EXPECT_EQ(systemd_word("a\nExecStart=/bin/evil"), "\"a\\nExecStart=/bin/evil\"");
  EXPECT_EQ(systemd_word("x\"; rm"), "\"x\\\"; rm\"");
}

}  // namespace
}  // namespace sbx::containers
