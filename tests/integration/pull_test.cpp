// End-to-end `sandbox pull` (and images/inspect) against the test rig's registries, driven as
// docker's CLI is. The images and what a correct pull shows: tests/rig/images/EXPECTATIONS.md.
#include "pull_fixture.hpp"

namespace sbx::it {
namespace {

// --- the harness itself --------------------------------------------------------------------

TEST(Harness, RunsTheBinaryAndCapturesOutput) {
  RunResult r = run_sandbox({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.out.empty()) << r.describe();
  RunResult bad = run_sandbox({"no-such-command"});
  EXPECT_NE(bad.exit_code, 0) << bad.describe();
}

// A command registers only the command groups up to its own (src/cli/main.cpp);
// help still lists every group, and a command late in the list still parses.
TEST(Harness, HelpListsEveryCommandGroupAndLateGroupsParse) {
  RunResult help = run_sandbox({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.describe();
  for (const char* command : {"run", "exec", "ps", "pull", "version", "login", "unshare", "port",
                              "commit", "stats", "system", "container", "image"})
    EXPECT_NE(help.out.find("\n  " + std::string(command) + " "), std::string::npos) << command;
  RunResult late = run_sandbox({"--root", "/nonexistent/x", "stats", "--help"});
  EXPECT_EQ(late.exit_code, 0) << late.describe();
  EXPECT_NE(late.out.find("Usage: sandbox stats"), std::string::npos) << late.out;
}

TEST(Harness, RigRegistriesAnswer) {
  SBX_REQUIRES_RIG();
  EXPECT_EQ(http_get(rig().registry, "/v2/").status, 200);
  EXPECT_EQ(http_get(rig().registry_token, "/v2/").status, 401);
  EXPECT_NE(http_get(rig().registry_token, "/v2/").headers["www-authenticate"].find("Bearer"),
            std::string::npos);
  EXPECT_EQ(http_get(rig().registry_basic, "/v2/").status, 401);
  EXPECT_EQ(http_get(rig().fault_proxy, "/_rig/health").status, 200);
}

// The token service grants as Docker Hub does (tests/rig/README.md).
TEST(Harness, RigTokenServicePolicy) {
  SBX_REQUIRES_RIG();
  auto access = [](const std::vector<std::string>& headers, const std::string& scope) {
    HttpReply r =
        http_get(rig().token_server, "/token?service=sandbox-rig&scope=" + scope, headers);
    if (r.status != 200) return std::to_string(r.status);
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    std::string token = body.value("token", "");
    // The JWT's payload: base64url JSON between the two dots.
    std::string payload = token.substr(token.find('.') + 1);
    payload = payload.substr(0, payload.find('.'));
    std::string payload_json;
    int bits = 0, value = 0;
    for (char c : payload) {
      const std::string alphabet =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      auto pos = alphabet.find(c);
      if (pos == std::string::npos) break;
      value = (value << 6) | static_cast<int>(pos);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        payload_json += static_cast<char>((value >> bits) & 0xff);
      }
    }
    return nlohmann::json::parse(payload_json, nullptr, false)["access"][0]["actions"].dump();
  };
  const std::vector<std::string> good{"Authorization: Basic dGVzdGVyOnRlc3RwYXNz"};
  const std::vector<std::string> bad{"Authorization: Basic dGVzdGVyOndyb25n"};  // tester:wrong
  EXPECT_EQ(access({}, "repository:test/busybox:pull"), "[]");
  EXPECT_EQ(access({}, "repository:public/busybox:pull,push"), "[\"pull\"]");
  EXPECT_EQ(access(good, "repository:test/busybox:pull"), "[\"pull\"]");
  EXPECT_EQ(access(bad, "repository:test/busybox:pull"), "401");
}

// --- pulls that succeed --------------------------------------------------------------------

TEST_F(PullTest, OciBusyboxFromAnonymousRegistry) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  pull_ok(rig().image("test/busybox:latest"));
  expect_listed(rig().registry + "/test/busybox", "latest");
  nlohmann::json info = inspect(rig().image("test/busybox:latest"));
  EXPECT_EQ(info.value("Os", ""), "linux") << info.dump(2);
  EXPECT_EQ(info.value("Architecture", ""), "amd64") << info.dump(2);
  EXPECT_FALSE(find_in_layers(root(), "bin/busybox").empty()) << "no layer holds bin/busybox";
  // The store is private to its user.
  struct stat st;
  ASSERT_EQ(::stat(root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(PullTest, DockerV2Schema2Busybox) {
  SBX_REQUIRES_IMAGE("test/busybox:v2s2");
  pull_ok(rig().image("test/busybox:v2s2"));
  expect_listed(rig().registry + "/test/busybox", "v2s2");
  EXPECT_FALSE(find_in_layers(root(), "bin/busybox").empty());
}

TEST_F(PullTest, ByDigest) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  HttpReply manifest = registry_manifest(rig().registry, "test/busybox", "latest");
  std::string digest = manifest.headers["docker-content-digest"];
  ASSERT_EQ(digest.rfind("sha256:", 0), 0u) << "registry sent no Docker-Content-Digest";
  std::string ref = rig().registry + "/test/busybox@" + digest;
  pull_ok(ref);
  nlohmann::json info = inspect(ref);
  EXPECT_NE(info.dump().find(digest), std::string::npos) << "RepoDigests\n" << info.dump(2);
}

TEST_F(PullTest, QuietPrintsNoProgress) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult r = sandbox({"pull", "-q", rig().image("test/busybox:latest")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // docker pull -q prints just the reference; no per-layer lines.
  EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.describe();
}

TEST_F(PullTest, SecondPullIsANoOp) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  pull_ok(rig().image("test/busybox:latest"));
  std::string id = image_id(rig().image("test/busybox:latest"));
  pull_ok(rig().image("test/busybox:latest"));
  EXPECT_EQ(image_id(rig().image("test/busybox:latest")), id);
  std::string out = images();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << "header + one image:\n" << out;
}
TEST_F(PullTest, LayeredGzip) {
  SBX_REQUIRES_IMAGE("test/layered:latest");
  pull_ok(rig().image("test/layered:latest"));
  expect_listed(rig().registry + "/test/layered", "latest");
  EXPECT_EQ(inspect(rig().image("test/layered:latest"))["RootFS"]["Layers"].size(), 4u);
  expect_layered_store(root());
}

TEST_F(PullTest, LayeredZstdAndPlainAreTheSameImage) {
  SBX_REQUIRES_IMAGE("test/layered:zstd");
  SBX_REQUIRES_IMAGE("test/layered:plain");
  pull_ok(rig().image("test/layered:zstd"));
  expect_layered_store(root());
  pull_ok(rig().image("test/layered:plain"));
  pull_ok(rig().image("test/layered:latest"));
  std::string id = image_id(rig().image("test/layered:latest"));
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(image_id(rig().image("test/layered:zstd")), id) << "same config blob";
  EXPECT_EQ(image_id(rig().image("test/layered:plain")), id) << "same config blob";
}

bool host_is_amd64() {
  utsname u{};
  return ::uname(&u) == 0 && std::string(u.machine) == "x86_64";
}

TEST_F(PullTest, MultiarchPicksTheHostPlatform) {
  SBX_REQUIRES_IMAGE("test/multiarch:latest");
  SBX_REQUIRES(host_is_amd64(), "an x86_64 host (the rig's index has amd64 and arm64)");
  pull_ok(rig().image("test/multiarch:latest"));
  EXPECT_EQ(inspect(rig().image("test/multiarch:latest")).value("Architecture", ""), "amd64");
  auto markers = find_in_layers(root(), "etc/platform-marker");
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(read_text(markers[0]), "linux/amd64\n");
}

TEST_F(PullTest, MultiarchPlatformFlagPicksArm64) {
  SBX_REQUIRES_IMAGE("test/multiarch:latest");
  pull_ok(rig().image("test/multiarch:latest"), {"--platform", "linux/arm64"});
  EXPECT_EQ(inspect(rig().image("test/multiarch:latest")).value("Architecture", ""), "arm64");
  auto markers = find_in_layers(root(), "etc/platform-marker");
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(read_text(markers[0]), "linux/arm64/v8\n");
}

TEST_F(PullTest, MultiarchUnknownPlatformNamesIt) {
  SBX_REQUIRES_IMAGE("test/multiarch:latest");
  RunResult r =
      sandbox({"pull", "--platform", "linux/s390x", rig().image("test/multiarch:latest")});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("s390x"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("arm64"), std::string::npos) << "should list what exists\n" << r.describe();
  expect_not_listed(rig().registry + "/test/multiarch");
}

// --- authentication ------------------------------------------------------------------------

TEST_F(PullTest, TokenRegistryRejectsAnonymousThenLoginWorks) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  std::string ref = rig().registry_token + "/test/busybox:latest";
  RunResult anonymous = pull_fails(ref, rig().registry_token + "/test/busybox");
  EXPECT_TRUE(mentions_any(anonymous.err, {"401", "403", "unauthorized", "denied"}))
      << anonymous.describe();
  EXPECT_TRUE(mentions_any(anonymous.err, {"login"})) << "should say to log in\n"
                                                      << anonymous.describe();

  RunOptions stdin_password;
  stdin_password.stdin_data = rig().password + "\n";
  RunResult login = sandbox({"login", "-u", rig().user, "--password-stdin", rig().registry_token},
                            stdin_password);
  ASSERT_EQ(login.exit_code, 0) << login.describe();
  pull_ok(ref);
  expect_listed(rig().registry_token + "/test/busybox", "latest");

  RunResult logout = sandbox({"logout", rig().registry_token});
  EXPECT_EQ(logout.exit_code, 0) << logout.describe();
  RunResult again = sandbox({"pull", rig().registry_token + "/test/layered:latest"});
  EXPECT_EQ(again.exit_code, 125) << "credentials must be gone after logout\n" << again.describe();
}

TEST_F(PullTest, TokenRegistryAllowsAnonymousPublicPull) {
  SBX_REQUIRES_IMAGE("public/busybox:latest");
  pull_ok(rig().registry_token + "/public/busybox:latest");
  expect_listed(rig().registry_token + "/public/busybox", "latest");
}

TEST_F(PullTest, LoginWithWrongPasswordFails) {
  SBX_REQUIRES_RIG();
  RunOptions stdin_password;
  stdin_password.stdin_data = "wrong-password\n";
  for (const auto& registry : {rig().registry_token, rig().registry_basic}) {
    RunResult r =
        sandbox({"login", "-u", rig().user, "--password-stdin", registry}, stdin_password);
    EXPECT_NE(r.exit_code, 0) << registry << "\n" << r.describe();
    EXPECT_TRUE(mentions_any(r.err, {"401", "unauthorized", "incorrect", "denied", "invalid"}))
        << r.describe();
  }
}

TEST_F(PullTest, BasicRegistryNeedsCredentials) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  std::string ref = rig().registry_basic + "/test/busybox:latest";
  RunResult anonymous = pull_fails(ref, rig().registry_basic + "/test/busybox");
  EXPECT_TRUE(mentions_any(anonymous.err, {"401", "unauthorized", "login"}))
      << anonymous.describe();

  RunOptions stdin_password;
  stdin_password.stdin_data = rig().password;
  RunResult login = sandbox({"login", "-u", rig().user, "--password-stdin", rig().registry_basic},
                            stdin_password);
  ASSERT_EQ(login.exit_code, 0) << login.describe();
  pull_ok(ref);
  expect_listed(rig().registry_basic + "/test/busybox", "latest");
}

TEST_F(PullTest, DockerConfigCredentialsAreHonoured) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  fs::create_directories(home() / ".docker");
  // base64("tester:testpass")
  ASSERT_EQ(rig().user + ":" + rig().password, "tester:testpass") << "update the base64 below";
  std::ofstream(home() / ".docker/config.json")
      << R"({"auths": {")" << rig().registry_basic << R"(": {"auth": "dGVzdGVyOnRlc3RwYXNz"}, ")"
      << rig().registry_token << R"(": {"auth": "dGVzdGVyOnRlc3RwYXNz"}}})";
  pull_ok(rig().registry_basic + "/test/busybox:latest");
  pull_ok(rig().registry_token + "/test/busybox:latest");
}

// --- bad input -----------------------------------------------------------------------------

TEST_F(PullTest, UnknownImageSaysNotFound) {
  SBX_REQUIRES_RIG();
  RunResult r = pull_fails(rig().image("test/does-not-exist:latest"),
                           rig().registry + "/test/does-not-exist");
  EXPECT_TRUE(mentions_any(r.err, {"not found", "404", "unknown", "does not exist"}))
      << r.describe();
  EXPECT_NE(r.err.find("does-not-exist"), std::string::npos) << r.describe();
  // An unknown tag of a known repository too.
  if (rig_has_image("test/busybox:latest")) {
    RunResult tag =
        pull_fails(rig().image("test/busybox:no-such-tag"), rig().registry + "/test/busybox");
    EXPECT_TRUE(mentions_any(tag.err, {"not found", "404", "unknown"})) << tag.describe();
  }
}

TEST_F(PullTest, UnreachableRegistry) {
  RunOptions quick;
  quick.timeout = std::chrono::seconds(120);
  RunResult r = sandbox({"pull", "127.0.0.1:1/test/busybox:latest"}, quick);
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << "name the registry\n" << r.describe();
  expect_not_listed("127.0.0.1:1/test/busybox");
}

TEST_F(PullTest, MalformedReference) {
  for (const char* bad : {"UPPER/Case", "a//b", "name:tag:tag", "name@sha256:123", ":latest"}) {
    RunResult r = sandbox({"pull", bad});
    EXPECT_EQ(r.exit_code, 125) << bad << "\n" << r.describe();
    EXPECT_NE(r.err.find("sandbox: "), std::string::npos) << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'),
              std::ptrdiff_t{1} + (r.err.find("hint:") != std::string::npos))
        << "one error line (plus a hint)\n"
        << r.describe();
  }
}

TEST_F(PullTest, CorruptBlobIsRejectedByDigest) {
  SBX_REQUIRES_IMAGE("test/corrupt:latest");
  auto manifest = nlohmann::json::parse(
      registry_manifest(rig().registry, "test/corrupt", "latest").body, nullptr, false);
  ASSERT_TRUE(manifest.is_object() && manifest.contains("layers"));
  std::string bad = manifest["layers"].back()["digest"];
  for (int attempt = 0; attempt < 2; ++attempt) {
    RunResult r = pull_fails(rig().image("test/corrupt:latest"), rig().registry + "/test/corrupt");
    EXPECT_NE(r.err.find(bad.substr(7, 12)), std::string::npos) << "name the blob\n"
                                                                << r.describe();
    EXPECT_TRUE(mentions_any(r.err, {"digest", "mismatch", "verif"})) << r.describe();
    EXPECT_FALSE(fs::exists(root() / "blobs/sha256" / bad.substr(7)))
        << "the bad bytes must not be kept";
  }
}

TEST_F(PullTest, UidOutsideTheMappableRangeIsNamed) {
  SBX_REQUIRES_IMAGE("test/baduid:latest");
  RunResult r = pull_fails(rig().image("test/baduid:latest"), rig().registry + "/test/baduid");
  EXPECT_NE(r.err.find("data/baduid-file"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("200000"), std::string::npos) << r.describe();
  EXPECT_TRUE(find_in_layers(root(), "data/baduid-file").empty()) << "nothing extracted";
}

}  // namespace
}  // namespace sbx::it
