// End-to-end `sandbox pull` (and images/inspect) against the test rig's registries, driven as
// docker's CLI is. The images and what a correct pull shows: tests/rig/images/EXPECTATIONS.md.
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// True when `text` (case-insensitively) contains any of `words`.
bool mentions_any(const std::string& text, std::initializer_list<const char*> words) {
  std::string l = lower(text);
  return std::any_of(words.begin(), words.end(),
                     [&](const char* w) { return l.find(lower(w)) != std::string::npos; });
}

// `sandbox images` lists REPOSITORY with TAG on one line (docker's table).
bool listed(const std::string& images_out, const std::string& repository, const std::string& tag) {
  std::istringstream lines(images_out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string repo_word, tag_word;
    words >> repo_word >> tag_word;
    if (repo_word == repository && tag_word == tag) return true;
  }
  return false;
}

// The first subordinate uid of the invoking user (/etc/subuid), or -1.
long subuid_start() {
  std::ifstream in("/etc/subuid");
  std::string line;
  const std::string name = current_user_name() + ":";
  const std::string uid = std::to_string(::getuid()) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) == 0 || line.rfind(uid, 0) == 0)
      return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

// Every <root>/layers/*/diff/<relative> that exists (lstat).
std::vector<fs::path> find_in_layers(const fs::path& root, const std::string& relative) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& layer : fs::directory_iterator(root / "layers", ec)) {
    fs::path candidate = layer.path() / "diff" / relative;
    struct stat st;
    if (::lstat(candidate.c_str(), &st) == 0) found.push_back(candidate);
  }
  return found;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every path under `dir` (not following symlinks), skipping `except` subtrees.
std::set<std::string> snapshot(const fs::path& dir, const std::vector<fs::path>& except) {
  std::set<std::string> paths;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (std::find(except.begin(), except.end(), it->path()) != except.end()) {
      it.disable_recursion_pending();
      continue;
    }
    paths.insert(it->path().native());
  }
  return paths;
}

// Paths named sbx-evil-* directly in `dir` or below it (depth-limited).
std::vector<std::string> evil_files(const fs::path& dir, int max_depth) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().native().rfind("sbx-evil-", 0) == 0)
      found.push_back(it->path().native());
    if (it.depth() >= max_depth) it.disable_recursion_pending();
  }
  return found;
}

class PullTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES(has_subid_ranges(), "subordinate ids for " + current_user_name() +
                                         " in /etc/subuid and /etc/subgid (the test user "
                                         "sbxtest has them: helpers/setup-test-host.sh)");
    // Fail fast (not vacuously pass the error cases) while `pull` does not exist.
    RunResult help = sandbox({"pull", "--help"});
    ASSERT_NE(help.out.find("sandbox pull"), std::string::npos)
        << "`sandbox pull` is not available\n"
        << help.describe();
  }

  // Pulls and asserts success.
  void pull_ok(const std::string& ref, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"pull"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(ref);
    RunResult r = sandbox(args);
    ASSERT_EQ(r.exit_code, 0) << "sandbox pull " << ref << "\n" << r.describe();
  }

  // A failing pull: exit 125, a `sandbox:` error line, and nothing listed afterwards.
  RunResult pull_fails(const std::string& ref, const std::string& repository) {
    RunResult r = sandbox({"pull", ref});
    EXPECT_EQ(r.exit_code, 125) << "sandbox pull " << ref << "\n" << r.describe();
    EXPECT_NE(r.err.find("sandbox: "), std::string::npos) << r.describe();
    EXPECT_FALSE(r.timed_out) << r.describe();
    expect_not_listed(repository);
    return r;
  }

  std::string images() {
    RunResult r = sandbox({"images"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  void expect_listed(const std::string& repository, const std::string& tag) {
    std::string out = images();
    EXPECT_TRUE(listed(out, repository, tag)) << repository << ":" << tag << " not in\n" << out;
  }

  void expect_not_listed(const std::string& repository) {
    RunResult r = sandbox({"images"});
    if (r.exit_code != 0) return;  // no store at all is fine
    EXPECT_EQ(r.out.find(repository + " "), std::string::npos) << r.out;
  }

  // `sandbox inspect REF` as one JSON object (docker prints an array of one).
  nlohmann::json inspect(const std::string& ref) {
    RunResult r = sandbox({"inspect", ref});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto json = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << "inspect output is not JSON:\n" << r.out;
    if (json.is_array() && !json.empty()) return json[0];
    return json.is_object() ? json : nlohmann::json::object();
  }

  std::string image_id(const std::string& ref) { return inspect(ref).value("Id", std::string()); }
};

// --- the harness itself --------------------------------------------------------------------

TEST(Harness, RunsTheBinaryAndCapturesOutput) {
  RunResult r = run_sandbox({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.out.empty()) << r.describe();
  RunResult bad = run_sandbox({"no-such-command"});
  EXPECT_NE(bad.exit_code, 0) << bad.describe();
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
    std::string json;
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
        json += static_cast<char>((value >> bits) & 0xff);
      }
    }
    return nlohmann::json::parse(json, nullptr, false)["access"][0]["actions"].dump();
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

// Layer contents as unpacked on the host: mapped owners, modes, whiteouts, opaque dirs.
void expect_layered_store(const fs::path& root) {
  long base = subuid_start();
  ASSERT_GT(base, 0);
  struct stat st;
  auto owner_1000 = find_in_layers(root, "data/owner-1000");
  ASSERT_FALSE(owner_1000.empty()) << "no layer holds data/owner-1000";
  ASSERT_EQ(::lstat(owner_1000[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(base + 999)) << "container uid 1000 maps to subuid+999";
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(base + 999));
  auto owner_65534 = find_in_layers(root, "data/owner-65534");
  ASSERT_FALSE(owner_65534.empty());
  ASSERT_EQ(::lstat(owner_65534[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(base + 65533));
  auto owner_0 = find_in_layers(root, "data/owner-0");
  ASSERT_FALSE(owner_0.empty());
  ASSERT_EQ(::lstat(owner_0[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid()) << "container root is the user itself";

  auto setuid = find_in_layers(root, "data/setuid");
  ASSERT_FALSE(setuid.empty());
  ASSERT_EQ(::lstat(setuid[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  auto fifo = find_in_layers(root, "data/fifo");
  ASSERT_FALSE(fifo.empty());
  ASSERT_EQ(::lstat(fifo[0].c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  auto link = find_in_layers(root, "data/symlink-rel");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(fs::read_symlink(link[0]).native(), "keep.txt");
  auto hardlink = find_in_layers(root, "data/hardlink-a");
  ASSERT_FALSE(hardlink.empty());
  ASSERT_EQ(::lstat(hardlink[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);

  // Whiteouts as overlay wants them: char device 0/0; no .wh.* file left anywhere.
  auto deleted = find_in_layers(root, "data/deleted.txt");
  ASSERT_FALSE(deleted.empty()) << "layer 3's whiteout of data/deleted.txt is missing";
  bool whiteout = false;
  for (const auto& path : deleted) {
    if (::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0) whiteout = true;
  }
  EXPECT_TRUE(whiteout) << "no char 0/0 whiteout for data/deleted.txt";
  EXPECT_TRUE(find_in_layers(root, "data/.wh.deleted.txt").empty());
  // The opaque dir of layer 4.
  bool opaque = false;
  for (const auto& path : find_in_layers(root, "data/replaced")) {
    char value[8] = {};
    ssize_t n = ::lgetxattr(path.c_str(), "user.overlay.opaque", value, sizeof value);
    if (n == 1 && value[0] == 'y') opaque = true;
  }
  EXPECT_TRUE(opaque) << "no layer marks data/replaced opaque (user.overlay.opaque=y)";
  EXPECT_TRUE(find_in_layers(root, "data/replaced/.wh..wh..opq").empty());
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

// --- hostile layers ------------------------------------------------------------------------

enum class Outcome { kError, kSuccess, kEither };
struct Hostile {
  const char* image;
  Outcome outcome;
  const char* named;  // the error names this entry (kError only; may be null)
};

std::ostream& operator<<(std::ostream& os, const Hostile& h) { return os << h.image; }

class HostilePullTest : public PullTest, public ::testing::WithParamInterface<Hostile> {};

TEST_P(HostilePullTest, StaysInsideTheStore) {
  const Hostile& h = GetParam();
  std::string name = std::string("test/") + h.image;
  SBX_REQUIRES_IMAGE(name + ":latest");
  // A canary: everything beside the store root (the test dir, HOME) must stay as it was.
  fs::create_directories(test_dir() / "canary/sub");
  std::ofstream(test_dir() / "canary/sub/file") << "canary";
  // (HOME may gain sandbox's own config files; it is searched for sbx-evil-* below.)
  const std::vector<fs::path> skip{root(), test_dir() / "tmp", home()};
  auto before = snapshot(test_dir(), skip);
  struct stat passwd_before, passwd_after;
  ASSERT_EQ(::stat("/etc/passwd", &passwd_before), 0);

  RunResult r = sandbox({"pull", rig().image(name + ":latest")});
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 125) << r.describe();
  if (h.outcome == Outcome::kError) {
    EXPECT_EQ(r.exit_code, 125) << r.describe();
  }
  if (h.outcome == Outcome::kSuccess) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  if (r.exit_code == 125) {
    if (h.named) {
      EXPECT_NE(r.err.find(h.named), std::string::npos) << r.describe();
    }
    expect_not_listed(rig().registry + "/" + name);
  }

  EXPECT_EQ(snapshot(test_dir(), skip), before) << "files changed beside the store";
  EXPECT_EQ(read_text(test_dir() / "canary/sub/file"), "canary");
  for (const char* dir : {"/tmp", "/var/tmp"}) {
    EXPECT_EQ(evil_files(dir, 0), std::vector<std::string>{});
  }
  EXPECT_EQ(evil_files(home(), 8), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/sbx-absolute"));
  ASSERT_EQ(::stat("/etc/passwd", &passwd_after), 0);
  EXPECT_EQ(passwd_after.st_ino, passwd_before.st_ino);
  EXPECT_EQ(passwd_after.st_nlink, 1u);
  EXPECT_EQ(passwd_after.st_mtime, passwd_before.st_mtime);
}

INSTANTIATE_TEST_SUITE_P(
    Layers, HostilePullTest,
    ::testing::Values(Hostile{"hostile-dotdot", Outcome::kError, "sbx-evil-dotdot"},
                      Hostile{"hostile-dotdot-deep", Outcome::kError, nullptr},
                      Hostile{"hostile-dotdot-nested", Outcome::kError, nullptr},
                      Hostile{"hostile-absolute", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-symlink-root", Outcome::kEither, nullptr},
                      Hostile{"hostile-symlink-dotdot", Outcome::kEither, nullptr},
                      Hostile{"hostile-symlink-layers", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-hardlink-abs", Outcome::kError, "sbx-evil-hardlink-abs"},
                      Hostile{"hostile-hardlink-dotdot", Outcome::kError, nullptr},
                      Hostile{"hostile-hardlink-symlink", Outcome::kEither, nullptr},
                      Hostile{"hostile-device", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-whiteout-dotdot", Outcome::kError, nullptr},
                      Hostile{"hostile-whiteout-escape", Outcome::kError, ".wh.sbx-keep"},
                      Hostile{"hostile-huge", Outcome::kError, nullptr}),
    [](const ::testing::TestParamInfo<Hostile>& param_info) {
      std::string n = param_info.param.image;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

TEST_F(PullTest, HostileDeviceKeepsTheLowerFile) {
  SBX_REQUIRES_IMAGE("test/hostile-device:latest");
  RunResult r = sandbox({"pull", rig().image("test/hostile-device:latest")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(mentions_any(r.err, {"warning", "skip"})) << "warn per skipped device\n"
                                                        << r.describe();
  // The tar's char 0/0 named sbx-lower-file is a device to skip, never a whiteout.
  struct stat st;
  for (const auto& path : find_in_layers(root(), "sbx-lower-file")) {
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << path << " must stay the lower layer's file";
  }
  EXPECT_TRUE(find_in_layers(root(), "sbx-dev-null").empty());
  EXPECT_FALSE(find_in_layers(root(), "sbx-device-ok").empty());
}

// --- faults: retries, resume, kill, concurrency ---------------------------------------------

// "127.0.0.1:5004/fault/<nonce>/<mode>/test/busybox:latest" (tests/rig/fault_proxy.py).
struct FaultRef {
  std::string nonce = unique_token();
  std::string mode;
  std::string image;
  std::string ref() const {
    return rig().fault_proxy + "/fault/" + nonce + "/" + mode + "/" + image;
  }
  nlohmann::json log() const {
    auto json = nlohmann::json::parse(http_get(rig().fault_proxy, "/_rig/log?nonce=" + nonce).body,
                                      nullptr, false);
    return json.is_array() ? json : nlohmann::json::array();
  }
};

TEST_F(PullTest, RetriesServerErrors) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  for (const char* mode : {"blob-500x2", "manifest-503x2", "blob-429x1"}) {
    remove_store_root(root());  // blobs already stored would not be fetched again
    FaultRef f{.mode = mode, .image = "test/busybox:latest"};
    pull_ok(f.ref());
    int faulted = 0;
    for (const auto& e : f.log()) faulted += e.value("fault", "") != "";
    EXPECT_GE(faulted, 1) << mode << ": the proxy injected nothing\n" << f.log().dump(1);
  }
}

TEST_F(PullTest, ResumesABrokenBlobDownload) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  for (const char* mode : {"blob-reset", "blob-trunc", "blob-badlen"}) {
    remove_store_root(root());  // blobs already stored would not be fetched again
    FaultRef f{.mode = mode, .image = "test/busybox:latest"};
    pull_ok(f.ref());
    expect_listed(rig().fault_proxy + "/fault/" + f.nonce + "/" + mode + "/test/busybox", "latest");
    if (std::string(mode) == "blob-badlen")
      continue;  // may be caught as a short read or a mismatch
    bool resumed = false;
    for (const auto& e : f.log()) {
      std::string range = e.value("range", "");
      if (range.rfind("bytes=", 0) == 0 && range != "bytes=0-" && e.value("status", 0) == 206)
        resumed = true;
    }
    EXPECT_TRUE(resumed) << mode << ": no ranged GET resumed the blob\n" << f.log().dump(1);
  }
}

TEST_F(PullTest, KilledPullLeavesNothingListedAndIsCompletedLater) {
  SBX_REQUIRES_IMAGE("test/layered:latest");
  FaultRef f{.mode = "blob-slow", .image = "test/layered:latest"};
  auto run = sandbox_background({"pull", f.ref()});
  // Let it get some way into the (slow) layer downloads, then kill it without warning.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_TRUE(run->running()) << "pull finished before the kill\n" << run->wait().describe();
  run->kill(SIGKILL);
  RunResult killed = run->wait();
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  std::string repository = rig().fault_proxy + "/fault/" + f.nonce + "/blob-slow/test/layered";
  expect_not_listed(repository);

  pull_ok(f.ref());
  expect_listed(repository, "latest");
  expect_layered_store(root());
}

TEST_F(PullTest, ConcurrentPullsOfOneImageDownloadEachBlobOnce) {
  SBX_REQUIRES_IMAGE("test/layered:latest");
  FaultRef f{.mode = "blob-slow", .image = "test/layered:latest"};
  auto first = sandbox_background({"pull", f.ref()});
  auto second = sandbox_background({"pull", f.ref()});
  RunResult a = first->wait();
  RunResult b = second->wait();
  EXPECT_EQ(a.exit_code, 0) << a.describe();
  EXPECT_EQ(b.exit_code, 0) << b.describe();
  std::string out = images();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << "header + one image:\n" << out;
  std::map<std::string, int> gets;
  for (const auto& e : f.log()) {
    std::string path = e.value("path", "");
    if (e.value("method", "") == "GET" && path.find("/blobs/") != std::string::npos &&
        e.value("status", 0) == 200)
      ++gets[path];
  }
  EXPECT_FALSE(gets.empty());
  for (const auto& [path, count] : gets) {
    EXPECT_EQ(count, 1) << path << " downloaded twice";
  }
  expect_layered_store(root());
}

}  // namespace
}  // namespace sbx::it
