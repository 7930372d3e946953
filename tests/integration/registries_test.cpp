// registries.conf and the credential files as podman has them, end to end against the rig:
// search registries, aliases, short-name modes, locations, mirrors, blocked registries,
// --authfile, REGISTRY_AUTH_FILE, podman's auth.json and docker's credential helpers.
#include "pull_fixture.hpp"

namespace sbx::it {
namespace {

class RegistriesTest : public PullTest {
 protected:
  // Runs sandbox with registries.conf holding `conf` (and nothing of the host's).
  RunResult with_conf(const std::string& conf, const std::vector<std::string>& args,
                      std::vector<std::string> env = {}) {
    fs::path file = test_dir() / ("registries-" + unique_token() + ".conf");
    std::ofstream(file) << conf;
    env.push_back("CONTAINERS_REGISTRIES_CONF=" + file.string());
    RunOptions options;
    options.env = std::move(env);
    return sandbox(args, options);
  }
  std::string search(std::initializer_list<std::string> registries) {
    std::string list;
    for (const auto& r : registries) list += (list.empty() ? "\"" : ", \"") + r + "\"";
    return "unqualified-search-registries = [" + list + "]\n";
  }
  // An auth file in podman's format with the rig's credentials for `registry`.
  fs::path auth_file(const std::string& registry) {
    fs::path file = test_dir() / ("auth-" + unique_token() + ".json");
    std::ofstream(file) << R"({"auths": {")" << registry << R"(": {"auth": ")"
                        << base64(rig().user + ":" + rig().password) << R"("}}})";
    return file;
  }
  static std::string base64(const std::string& in) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int value = 0, bits = -6;
    for (unsigned char c : in) {
      value = (value << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out.push_back(k[(value >> bits) & 0x3F]);
        bits -= 6;
      }
    }
    if (bits > -6) out.push_back(k[((value << 8) >> (bits + 8)) & 0x3F]);
    while (out.size() % 4) out.push_back('=');
    return out;
  }
};

TEST_F(RegistriesTest, AShortNameIsPulledFromTheSearchRegistry) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult r = with_conf(search({rig().registry}), {"pull", "test/busybox"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_listed(rig().registry + "/test/busybox", "latest");
}

// As podman: run finds a short name's stored candidate and does not pull again (the
// registry needs credentials that only the pull had).
TEST_F(RegistriesTest, RunUsesAStoredCandidateOfAShortName) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  SBX_REQUIRES_SUBIDS();
  std::string conf = search({rig().registry_basic});
  fs::path auth = auth_file(rig().registry_basic);
  RunResult pulled = with_conf(conf, {"pull", "--authfile", auth.string(), "test/busybox"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.describe();
  RunResult ran = with_conf(conf, {"run", "--rm", "test/busybox", "echo", "stored"});
  ASSERT_EQ(ran.exit_code, 0) << ran.describe();
  EXPECT_EQ(ran.out, "stored\n") << ran.describe();
}

TEST_F(RegistriesTest, SeveralSearchRegistriesNeedATerminalWhenEnforcing) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult r = with_conf(search({rig().registry_basic, rig().registry}), {"pull", "test/busybox"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "is ambiguous")) << r.describe();
  EXPECT_TRUE(contains(r.err, rig().registry_basic + "/test/busybox:latest")) << r.describe();
  EXPECT_TRUE(contains(r.err, rig().registry + "/test/busybox:latest")) << r.describe();
  expect_not_listed(rig().registry + "/test/busybox");
}

TEST_F(RegistriesTest, PermissiveTriesEachSearchRegistryInOrder) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  // The first needs credentials we do not have: the second serves it.
  RunResult r = with_conf(
      search({rig().registry_basic, rig().registry}) + "short-name-mode = \"permissive\"\n",
      {"pull", "test/busybox"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_listed(rig().registry + "/test/busybox", "latest");
  expect_not_listed(rig().registry_basic + "/test/busybox");
  RunResult none =
      with_conf(search({rig().registry_basic, rig().registry}) + "short-name-mode = \"disabled\"\n",
                {"pull", "test/no-such-image"});
  EXPECT_EQ(none.exit_code, 125) << none.describe();
  EXPECT_TRUE(contains(none.err, "no search registry has it")) << none.describe();
}

TEST_F(RegistriesTest, AnAliasNamesTheImage) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult r = with_conf(search({"quay.io", "docker.io"}) + "[aliases]\n\"rigbox\" = \"" +
                              rig().registry + "/test/busybox\"\n",
                          {"pull", "rigbox"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_listed(rig().registry + "/test/busybox", "latest");
}

TEST_F(RegistriesTest, ALocationAndAMirrorServeAnotherName) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  SBX_REQUIRES_IMAGE("test/layered:latest");
  // Nothing answers for the .invalid names: only the rewrite or the mirror can succeed.
  std::string conf = "[[registry]]\nprefix = \"images.example.invalid/team\"\nlocation = \"" +
                     rig().registry + "/test\"\n\n[[registry]]\nlocation = \"gone.invalid\"\n" +
                     "[[registry.mirror]]\nlocation = \"" + rig().registry + "\"\n";
  RunResult moved = with_conf(conf, {"pull", "images.example.invalid/team/busybox"});
  ASSERT_EQ(moved.exit_code, 0) << moved.describe();
  expect_listed("images.example.invalid/team/busybox", "latest");
  RunResult mirrored = with_conf(conf, {"pull", "gone.invalid/test/layered:latest"});
  ASSERT_EQ(mirrored.exit_code, 0) << mirrored.describe();
  expect_listed("gone.invalid/test/layered", "latest");
}

TEST_F(RegistriesTest, ABlockedRegistryIsRefused) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunResult r = with_conf("[[registry]]\nlocation = \"" + rig().registry + "\"\nblocked = true\n",
                          {"pull", rig().image("test/busybox:latest")});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "registry " + rig().registry + " is blocked")) << r.describe();
  expect_not_listed(rig().registry + "/test/busybox");
}

TEST_F(RegistriesTest, ABrokenFileIsAClearError) {
  RunResult r = with_conf("unqualified-search-registries = \"docker.io\"\n", {"pull", "x"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, ".conf:1: 'unqualified-search-registries' must be a list"))
      << r.describe();
}

TEST_F(RegistriesTest, AuthfileAndRegistryAuthFileGiveCredentials) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  SBX_REQUIRES_IMAGE("test/layered:latest");
  fs::path file = auth_file(rig().registry_basic);
  RunResult given =
      sandbox({"pull", "--authfile", file.string(), rig().registry_basic + "/test/busybox:latest"});
  ASSERT_EQ(given.exit_code, 0) << given.describe();
  RunOptions env;
  env.env = {"REGISTRY_AUTH_FILE=" + file.string()};
  RunResult from_env = sandbox({"pull", rig().registry_basic + "/test/layered:latest"}, env);
  EXPECT_EQ(from_env.exit_code, 0) << from_env.describe();
}

TEST_F(RegistriesTest, LoginWritesPodmansFile) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  RunOptions options;
  options.stdin_data = rig().password;
  options.env = {"XDG_RUNTIME_DIR="};
  RunResult login =
      sandbox({"login", "-u", rig().user, "--password-stdin", rig().registry_basic}, options);
  ASSERT_EQ(login.exit_code, 0) << login.describe();
  fs::path podman_file = home() / ".config/containers/auth.json";
  EXPECT_TRUE(contains(login.err, podman_file.string())) << login.describe();
  struct stat st {};
  ASSERT_EQ(::stat(podman_file.c_str(), &st), 0) << podman_file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(podman_file);
  auto doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_TRUE(doc["auths"].contains(rig().registry_basic)) << doc.dump();
  pull_ok(rig().registry_basic + "/test/busybox:latest");
}

TEST_F(RegistriesTest, DockerCredentialHelpersAreRun) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  SBX_REQUIRES_IMAGE("test/layered:latest");
  fs::path bin = test_dir() / "bin";
  fs::create_directories(bin);
  fs::create_directories(home() / ".docker");
  {
    std::ofstream helper(bin / "docker-credential-rigtest");
    helper << "#!/bin/sh\nread server\n[ \"$server\" = \"" << rig().registry_basic
           << "\" ] || exit 1\necho '{\"Username\":\"" << rig().user << "\",\"Secret\":\""
           << rig().password << "\"}'\n";
  }
  fs::permissions(bin / "docker-credential-rigtest", fs::perms::owner_all);
  std::ofstream(home() / ".docker/config.json")
      << R"({"credHelpers": {")" << rig().registry_basic << R"(": "rigtest"}})";
  RunOptions options;
  options.env = {"PATH=" + bin.string() + ":/usr/local/bin:/usr/bin:/bin"};
  RunResult r = sandbox({"pull", rig().registry_basic + "/test/busybox:latest"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::ofstream(home() / ".docker/config.json")
      << R"({"credHelpers": {")" << rig().registry_basic << R"(": "absent"}})";
  RunResult missing = sandbox({"pull", rig().registry_basic + "/test/layered:latest"}, options);
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "docker-credential-absent is not installed"))
      << missing.describe();
}

}  // namespace
}  // namespace sbx::it
