// run's -P/--expose (on slirp4netns and on a user network), --log-driver and
// --log-opt, --platform out of the rig's two-platform index, --pull newer and
// --no-init, as the unprivileged test user; bad values fail before anything
// starts, with one clear line.
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "echo_client.hpp"
#include "run_fixture.hpp"

namespace sbx::it {
namespace {

bool runs_on_amd64_host() {
  utsname u{};
  return ::uname(&u) == 0 && std::string(u.machine) == "x86_64";
}

class RunPublishTest : public RunTest {
 protected:
  // `sandbox inspect NAME` as JSON (the first element); null when it failed.
  nlohmann::json inspect_json(const std::string& name) {
    auto r = sandbox({"inspect", name});
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || doc.is_discarded() || !doc.is_array() || doc.empty()) return nullptr;
    return doc[0];
  }

  // The host port `sandbox port NAME PORT` names ("0.0.0.0:41234"); 0 when none.
  uint16_t published_port(const std::string& name, const std::string& port) {
    auto r = sandbox({"port", name, port});
    size_t colon = r.out.rfind(':');
    if (r.exit_code != 0 || colon == std::string::npos) return 0;
    return static_cast<uint16_t>(std::stoi(r.out.substr(colon + 1)));
  }

  // An image made from the payload with EXPOSE 7000 (commit --change).
  std::string exposing_image() {
    std::string from = "exp-src-" + unique_token();
    auto created = sandbox({"create", "--name", from, payload(), "payload", "exit", "0"});
    EXPECT_EQ(created.exit_code, 0) << created.describe();
    std::string image = "localhost/exposing:" + unique_token();
    auto commit = sandbox({"commit", "-c", "EXPOSE 7000", from, image});
    EXPECT_EQ(commit.exit_code, 0) << commit.describe();
    return image;
  }
};

// The image's EXPOSE and --expose in .Config.ExposedPorts; -P publishes both on free host
// ports of every address; `port`, `ps` and inspect show them; the host reaches the server.
TEST_F(RunPublishTest, PublishAllPublishesTheImagesAndTheFlagsExposedPorts) {
  SBX_REQUIRES(have_program("slirp4netns"), "slirp4netns (apt-get install slirp4netns)");
  std::string image = exposing_image();
  std::string name = "pub-" + unique_token();
  auto started = sandbox({"run", "-d", "--name", name, "-P", "--expose", "7001/udp", image,
                          "payload", "echo-server", "7000"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  uint16_t port = published_port(name, "7000/tcp");
  ASSERT_NE(port, 0) << sandbox({"port", name}).describe();
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  auto listed = sandbox({"port", name});
  EXPECT_TRUE(contains(listed.out, "7000/tcp -> 0.0.0.0:" + std::to_string(port) + "\n"))
      << listed.describe();
  EXPECT_TRUE(contains(listed.out, "7001/udp -> 0.0.0.0:")) << listed.describe();
  auto ps = sandbox({"ps"});
  EXPECT_TRUE(contains(ps.out, std::to_string(port) + "->7000/tcp")) << ps.describe();
  auto doc = inspect_json(name);
  ASSERT_FALSE(doc.is_null());
  EXPECT_TRUE(doc["Config"]["ExposedPorts"].contains("7000/tcp")) << doc["Config"].dump();
  EXPECT_TRUE(doc["Config"]["ExposedPorts"].contains("7001/udp")) << doc["Config"].dump();
  EXPECT_EQ(doc["HostConfig"]["PublishAllPorts"], true);
  EXPECT_EQ(doc["NetworkSettings"]["Ports"]["7000/tcp"][0]["HostPort"], std::to_string(port));
  EXPECT_EQ(sandbox({"rm", "-f", name}).exit_code, 0);

  // Without -P the exposed ports are recorded, not published.
  auto plain = sandbox({"run", "-d", "--name", name + "-plain", image, "payload", "sleep", "30"});
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  auto none = sandbox({"port", name + "-plain"});
  EXPECT_EQ(none.out, "") << none.describe();
  doc = inspect_json(name + "-plain");
  ASSERT_FALSE(doc.is_null());
  EXPECT_TRUE(doc["Config"]["ExposedPorts"].contains("7000/tcp"));
  EXPECT_EQ(doc["HostConfig"]["PublishAllPorts"], false);
  EXPECT_EQ(sandbox({"rm", "-f", name + "-plain"}).exit_code, 0);
}

// -P on a user-defined network: the free host port reaches the container there.
TEST_F(RunPublishTest, PublishAllOnAUserNetwork) {
  bool netavark = false;
  for (const char* p : {"/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"})
    netavark = netavark || ::access(p, X_OK) == 0;
  SBX_REQUIRES(netavark, "netavark and aardvark-dns (apt-get install netavark)");
  ASSERT_EQ(sandbox({"network", "create", "pubnet"}).exit_code, 0);
  auto started = sandbox({"run", "-d", "--name", "pubsrv", "--network", "pubnet", "-P", "--expose",
                          "8080", payload(), "payload", "echo-server", "8080"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  uint16_t port = published_port("pubsrv", "8080");
  ASSERT_NE(port, 0) << sandbox({"port", "pubsrv"}).describe();
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  EXPECT_EQ(sandbox({"rm", "-f", "pubsrv"}).exit_code, 0);
}

TEST_F(RunPublishTest, BadExposeAndPublishAllWithoutANetworkFailClearly) {
  auto bad = run({"--expose", "80/icmp"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "--expose 80/icmp: protocol 'icmp' is not tcp, udp or sctp"))
      << bad.describe();
  auto range = run({"--expose", "9-7"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(range.exit_code, 125) << range.describe();
  EXPECT_TRUE(contains(range.err, "the range ends before it starts")) << range.describe();
  auto none =
      run({"-P", "--expose", "80", "--network", "none"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(none.exit_code, 125) << none.describe();
  EXPECT_TRUE(contains(none.err, "-P needs the container's own network")) << none.describe();
  // --expose alone on such a network only records the port.
  auto recorded = run({"--expose", "80", "--network", "none"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(recorded.exit_code, 0) << recorded.describe();
}

// none: the output still reaches the caller, no log is kept, `logs` says so; with -d too.
TEST_F(RunPublishTest, LogDriverNoneKeepsNoLog) {
  auto r =
      sandbox({"run", "--name", "nolog", "--log-driver", "none", payload(), "payload", "hostname"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.out.empty()) << r.describe();
  auto logs = sandbox({"logs", "nolog"});
  EXPECT_EQ(logs.exit_code, 125) << logs.describe();
  EXPECT_TRUE(contains(logs.err, "uses the none log driver: it keeps no logs")) << logs.describe();
  auto doc = inspect_json("nolog");
  ASSERT_FALSE(doc.is_null());
  EXPECT_EQ(doc["HostConfig"]["LogConfig"]["Type"], "none");
  EXPECT_EQ(doc["LogPath"], "");
  EXPECT_FALSE(
      std::filesystem::exists(root() / "containers" / doc["Id"].get<std::string>() / "ctr.log"));

  auto d = sandbox(
      {"run", "-d", "--name", "nolog-d", "--log-driver", "none", payload(), "payload", "hostname"});
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto dlogs = sandbox({"logs", "nolog-d"});
  EXPECT_EQ(dlogs.exit_code, 125) << dlogs.describe();
  EXPECT_TRUE(contains(dlogs.err, "keeps no logs")) << dlogs.describe();
  EXPECT_EQ(sandbox({"rm", "-f", "nolog-d"}).exit_code, 0);
}

// passthrough: the container writes to our stdout; refused with -d and at `start`.
TEST_F(RunPublishTest, LogDriverPassthroughIsForegroundOnly) {
  auto r = sandbox({"run", "--name", "pass", "--log-driver", "passthrough", payload(), "payload",
                    "read", "/etc/hostname"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.out.empty()) << r.describe();
  EXPECT_EQ(inspect_json("pass")["HostConfig"]["LogConfig"]["Type"], "passthrough");
  EXPECT_TRUE(contains(sandbox({"logs", "pass"}).err, "passthrough log driver"));

  auto d = sandbox({"run", "-d", "--log-driver", "passthrough", payload(), "payload", "exit", "0"});
  EXPECT_EQ(d.exit_code, 125) << d.describe();
  EXPECT_TRUE(contains(d.err, "--log-driver passthrough")) << d.describe();
  EXPECT_TRUE(contains(d.err, "cannot run detached")) << d.describe();

  auto created = sandbox({"create", "--name", "pass-c", "--log-driver", "passthrough", payload(),
                          "payload", "exit", "0"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  auto start = sandbox({"start", "pass-c"});
  EXPECT_EQ(start.exit_code, 125) << start.describe();
  EXPECT_TRUE(contains(start.err, "runs only in the foreground")) << start.describe();

  auto bad = run({"--log-driver", "journald"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "unsupported --log-driver 'journald'")) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "k8s-file")) << bad.describe();
}

// --log-opt path=FILE: the k8s-file log there, which `logs` reads; json-file is k8s-file.
TEST_F(RunPublishTest, LogOptPathKeepsTheLogThere) {
  auto file = test_dir() / "web.log";
  auto r = sandbox({"run", "--name", "logpath", "--log-driver", "json-file", "--log-opt",
                    "path=" + file.string(), payload(), "payload", "read", "/etc/hostname"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_TRUE(std::filesystem::exists(file));
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(contains(text, " stdout F ")) << text;
  auto logs = sandbox({"logs", "logpath"});
  EXPECT_EQ(logs.exit_code, 0) << logs.describe();
  EXPECT_EQ(logs.out, r.out);
  auto doc = inspect_json("logpath");
  EXPECT_EQ(doc["LogPath"], file.string());
  EXPECT_EQ(doc["HostConfig"]["LogConfig"]["Type"], "k8s-file");
  auto bad = run({"--log-opt", "max-size=1m"}, payload(), {"payload", "exit", "0"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "unsupported --log-opt 'max-size=1m'")) << bad.describe();
}

// --platform picks the index's entry; an image for another platform is refused before it
// starts unless a binfmt handler could run it.
TEST_F(RunPublishTest, PlatformPicksFromTheIndexAndOtherPlatformsAreRefused) {
  SBX_REQUIRES_IMAGE("test/multiarch:latest");
  SBX_REQUIRES(runs_on_amd64_host(), "an amd64 host (the rig's index has amd64 and arm64)");
  SBX_REQUIRES(!std::filesystem::exists("/proc/sys/fs/binfmt_misc/qemu-aarch64"),
               "no qemu-aarch64 binfmt handler (it would run the arm64 image)");
  std::string multi = rig().image("test/multiarch:latest");
  auto arm = run({"--platform", "linux/arm64"}, multi, {"cat", "/etc/platform-marker"});
  EXPECT_EQ(arm.exit_code, 125) << arm.describe();
  EXPECT_TRUE(contains(arm.err, "the image is for linux/arm64 and this host runs linux/amd64"))
      << arm.describe();
  EXPECT_TRUE(contains(arm.err, "exec format error")) << arm.describe();
  EXPECT_TRUE(contains(arm.err, "qemu-aarch64")) << arm.describe();
  // The arm64 image is what the store has now: a plain run refuses it too.
  auto plain = run({"--pull", "never"}, multi, {"cat", "/etc/platform-marker"});
  EXPECT_EQ(plain.exit_code, 125) << plain.describe();
  EXPECT_TRUE(contains(plain.err, "exec format error")) << plain.describe();
  // --platform linux/amd64 pulls the amd64 entry, as the stored one is for another platform.
  auto amd = run({"--platform", "linux/amd64"}, multi, {"cat", "/etc/platform-marker"});
  EXPECT_EQ(amd.exit_code, 0) << amd.describe();
  EXPECT_EQ(amd.out, "linux/amd64\n") << amd.describe();
  auto never = run({"--pull", "never", "--platform", "linux/arm64"}, multi, {"true"});
  EXPECT_EQ(never.exit_code, 125) << never.describe();
  EXPECT_TRUE(contains(never.err, "is stored for linux/amd64, not linux/arm64"))
      << never.describe();
  auto bad = run({"--platform", "linux/"}, multi, {"true"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "--platform")) << bad.describe();
}

// --pull newer: stored and unchanged, or the registry out of reach: the stored image runs;
// a bad --pull value names the values.
TEST_F(RunPublishTest, PullNewerUsesTheStoredImageWhenTheRegistryCannotSay) {
  auto first = payload_run({"exit", "0"}, {"--pull", "newer"});  // not stored: pulled
  EXPECT_EQ(first.exit_code, 0) << first.describe();
  auto again = payload_run({"exit", "0"}, {"--pull", "newer"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  ASSERT_EQ(sandbox({"tag", payload(), "127.0.0.1:9/gone/payload:1"}).exit_code, 0);
  auto offline = run({"--pull", "newer"}, "127.0.0.1:9/gone/payload:1", {"payload", "exit", "0"});
  EXPECT_EQ(offline.exit_code, 0) << offline.describe();
  EXPECT_TRUE(contains(offline.err, "warning: --pull=newer: ")) << offline.describe();
  EXPECT_TRUE(contains(offline.err, "using the stored image")) << offline.describe();
  auto always = run({"--pull", "always"}, "127.0.0.1:9/gone/payload:1", {"payload", "exit", "0"});
  EXPECT_EQ(always.exit_code, 125) << always.describe();
  auto bad = payload_run({"exit", "0"}, {"--pull", "sometimes"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "invalid --pull 'sometimes'")) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "never or newer")) << bad.describe();
}

TEST_F(RunPublishTest, NoInitIsAcceptedWithAWarning) {
  auto r = payload_run({"pids"}, {"--no-init"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.err, "warning: --no-init is ignored: PID 1 is always sandbox's init"))
      << r.describe();
  // PID 1 is still sandbox's init (its state, S or R, depends on the moment).
  std::string first = r.out.substr(0, r.out.find('\n'));
  EXPECT_TRUE(first.starts_with("1 ") && contains(first, "init")) << r.describe();
}

}  // namespace
}  // namespace sbx::it
