#include "sandbox/image/auth.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/base/files.hpp"

namespace sbx::image {
namespace {

TEST(WwwAuthenticateTest, DockerHubBearer) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*c)[0].param("service"), "registry.docker.io");
  EXPECT_EQ((*c)[0].param("scope"), "repository:library/busybox:pull");
}

TEST(WwwAuthenticateTest, CommasAndEscapesInQuotes) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://r/token?a=1,b=2", scope="repository:x:pull,push", error="say \"hi\"")");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].param("realm"), "https://r/token?a=1,b=2");
  EXPECT_EQ((*c)[0].param("scope"), "repository:x:pull,push");
  EXPECT_EQ((*c)[0].param("error"), "say \"hi\"");
}

TEST(WwwAuthenticateTest, BasicAndCaseInsensitive) {
  auto c = parse_www_authenticate(R"(BASIC Realm="Registry Realm")");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].param("REALM"), "Registry Realm");
}

TEST(WwwAuthenticateTest, SeveralChallenges) {
  auto c = parse_www_authenticate(
      R"(Basic realm="basic", Bearer realm="https://t/token", service=reg, Negotiate)");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].param("realm"), "basic");
  EXPECT_EQ((*c)[1].scheme, "bearer");
  EXPECT_EQ((*c)[1].param("service"), "reg");
  EXPECT_EQ((*c)[2].scheme, "negotiate");
  EXPECT_TRUE((*c)[2].params.empty());
}

TEST(WwwAuthenticateTest, RejectsMalformed) {
  EXPECT_FALSE(parse_www_authenticate(""));
  EXPECT_FALSE(parse_www_authenticate("   "));
  EXPECT_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)"));
  EXPECT_FALSE(parse_www_authenticate(R"("quoted" realm=x)"));
}

TEST(Base64Test, RoundTrips) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("tester:testpass"), "dGVzdGVyOnRlc3RwYXNz");
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "user:p@ss:w0rd",
                                                       std::string("\0\xff\x10", 3)}) {
    auto back = base64_decode(base64_encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_EQ(basic_authorization({"tester", "testpass"}), "Basic dGVzdGVyOnRlc3RwYXNz");
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create();
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    files_.login_file = dir_->path() / "config/sandbox/auth.json";
    files_.read_files = {dir_->path() / "docker/config.json"};
  }
  std::optional<TempDir> dir_;
  AuthFiles files_;
};

TEST_F(CredentialsTest, StoresWithMode0600InDockerFormat) {
  ASSERT_TRUE(store_credentials("127.0.0.1:5002", {"tester", "testpass"}, files_));
  struct stat st {};
  ASSERT_EQ(::stat(files_.login_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = read_file(files_.login_file);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find(R"("auths")"), std::string::npos);
  EXPECT_NE(text->find(R"("127.0.0.1:5002")"), std::string::npos);
  EXPECT_NE(text->find("dGVzdGVyOnRlc3RwYXNz"), std::string::npos);
  auto found = lookup_credentials("127.0.0.1:5002", files_);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, (Credentials{"tester", "testpass"}));
}

TEST_F(CredentialsTest, DockerHubUsesIndexKeyAndAliases) {
  ASSERT_TRUE(store_credentials("index.docker.io", {"u", "p"}, files_));
  auto text = read_file(files_.login_file);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("https://index.docker.io/v1/"), std::string::npos);
  for (auto host : {"docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"}) {
    auto found = lookup_credentials(host, files_);
    ASSERT_TRUE(found && found->has_value()) << host;
    EXPECT_EQ((*found)->username, "u");
  }
  // Replacing keeps one entry.
  ASSERT_TRUE(store_credentials("docker.io", {"v", "q"}, files_));
  auto again = lookup_credentials("docker.io", files_);
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ((*again)->username, "v");
}

TEST_F(CredentialsTest, KeepsOtherEntriesAndRemoves) {
  ASSERT_TRUE(store_credentials("a.example", {"a", "1"}, files_));
  ASSERT_TRUE(store_credentials("b.example", {"b", "2"}, files_));
  auto removed = remove_credentials("a.example", files_);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = remove_credentials("a.example", files_);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto a = lookup_credentials("a.example", files_);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->has_value());
  auto b = lookup_credentials("b.example", files_);
  ASSERT_TRUE(b && b->has_value());
  EXPECT_EQ((*b)->password, "2");
}

TEST_F(CredentialsTest, ReadsDockerConfig) {
  ASSERT_TRUE(make_dirs(files_.read_files[0].parent_path()));
  ASSERT_TRUE(write_file_atomic(files_.read_files[0], R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
      "quay.io": {},
      "http://localhost:5000/": {"auth": "bG9jYWw6cGFzczp3aXRoOmNvbG9ucw=="}
    },
    "credsStore": "desktop"
  })"));
  auto hub = lookup_credentials("docker.io", files_);
  ASSERT_TRUE(hub && hub->has_value()) << (hub ? "" : hub.error().message());
  EXPECT_EQ(**hub, (Credentials{"hub", "secret"}));
  auto local = lookup_credentials("localhost:5000", files_);
  ASSERT_TRUE(local && local->has_value());
  EXPECT_EQ(**local, (Credentials{"local", "pass:with:colons"}));
  auto quay = lookup_credentials("quay.io", files_);
  ASSERT_TRUE(quay);
  EXPECT_FALSE(quay->has_value());
  // Our own file wins over docker's.
  ASSERT_TRUE(store_credentials("docker.io", {"mine", "x"}, files_));
  auto mine = lookup_credentials("docker.io", files_);
  ASSERT_TRUE(mine && mine->has_value());
  EXPECT_EQ((*mine)->username, "mine");
}

TEST_F(CredentialsTest, MalformedFileIsAnErrorNotOverwritten) {
  ASSERT_TRUE(make_dirs(files_.login_file.parent_path()));
  ASSERT_TRUE(write_file_atomic(files_.login_file, "{not json"));
  EXPECT_FALSE(lookup_credentials("x.example", files_));
  EXPECT_FALSE(store_credentials("x.example", {"a", "b"}, files_));
  auto text = read_file(files_.login_file);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "{not json");
}

TEST_F(CredentialsTest, AuthKey) {
  EXPECT_EQ(auth_key("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(auth_key("127.0.0.1:5001"), "127.0.0.1:5001");
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(DefaultAuthFilesTest, PodmansFilesThenOursThenDockers) {
  ScopedEnv env;
  env.set("REGISTRY_AUTH_FILE", nullptr);
  env.set("XDG_CONFIG_HOME", "/tmp/xdg-test-config");
  env.set("XDG_RUNTIME_DIR", "/run/user/4242");
  env.set("DOCKER_CONFIG", "/tmp/docker-test-config");
  auto files = default_auth_files();
  ASSERT_TRUE(files);
  EXPECT_EQ(files->login_file, "/run/user/4242/containers/auth.json");
  EXPECT_EQ(files->read_files,
            (std::vector<std::filesystem::path>{"/tmp/xdg-test-config/containers/auth.json",
                                                "/tmp/xdg-test-config/sandbox/auth.json",
                                                "/tmp/docker-test-config/config.json"}));
  env.set("XDG_RUNTIME_DIR", nullptr);
  env.set("XDG_CONFIG_HOME", nullptr);
  env.set("DOCKER_CONFIG", nullptr);
  env.set("HOME", "/home/someone");
  auto fallback = default_auth_files();
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->login_file, "/home/someone/.config/containers/auth.json");
  EXPECT_EQ(fallback->read_files,
            (std::vector<std::filesystem::path>{"/home/someone/.config/sandbox/auth.json",
                                                "/home/someone/.docker/config.json"}));
}

TEST(DefaultAuthFilesTest, RegistryAuthFileIsTheOnlyOne) {
  ScopedEnv env;
  env.set("REGISTRY_AUTH_FILE", "/tmp/only-auth.json");
  auto files = default_auth_files();
  ASSERT_TRUE(files);
  EXPECT_EQ(files->login_file, "/tmp/only-auth.json");
  EXPECT_TRUE(files->read_files.empty());
  AuthFiles given = auth_file_only("/x/auth.json");
  EXPECT_EQ(given.login_file, "/x/auth.json");
  EXPECT_TRUE(given.read_files.empty());
}

TEST_F(CredentialsTest, TheLoginFileWinsOverReadFiles) {
  std::filesystem::path podman_config = dir_->path() / "containers-auth.json";
  files_.read_files.insert(files_.read_files.begin(), podman_config);
  std::string auth = base64_encode("fromconfig:1");
  ASSERT_TRUE(
      write_file_atomic(podman_config, R"({"auths": {"r.example": {"auth": ")" + auth + R"("}}})"));
  auto first = lookup_credentials("r.example", files_);
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((*first)->username, "fromconfig");
  ASSERT_TRUE(store_credentials("r.example", {"fromlogin", "2"}, files_));
  auto second = lookup_credentials("r.example", files_);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->username, "fromlogin");
  // The read-only file is never written.
  auto text = read_file(podman_config);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("fromlogin"), std::string::npos);
}

TEST_F(CredentialsTest, LogoutRefusesToEditAReadOnlyFile) {
  ASSERT_TRUE(make_dirs(files_.read_files[0].parent_path()));
  std::string auth = base64_encode("d:1");
  ASSERT_TRUE(write_file_atomic(files_.read_files[0],
                                R"({"auths": {"d.example": {"auth": ")" + auth + R"("}}})"));
  auto removed = remove_credentials("d.example", files_);
  ASSERT_FALSE(removed);
  EXPECT_NE(removed.error().message().find(files_.read_files[0].string()), std::string::npos)
      << removed.error().message();
  auto none = remove_credentials("nothing.example", files_);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

// A docker-credential-<name> script on a PATH of the test's own.
class CredentialHelperTest : public CredentialsTest {
 protected:
  void SetUp() override {
    CredentialsTest::SetUp();
    bin_ = dir_->path() / "bin";
    ASSERT_TRUE(make_dirs(bin_));
    env_.set("PATH", (bin_.string() + ":/usr/bin:/bin").c_str());
    ASSERT_TRUE(make_dirs(files_.read_files[0].parent_path()));
  }
  void helper(const std::string& name, const std::string& body) {
    ASSERT_TRUE(
        write_file_atomic(bin_ / ("docker-credential-" + name), "#!/bin/sh\n" + body + "\n", 0755));
  }
  void docker_config(const std::string& json) {
    ASSERT_TRUE(write_file_atomic(files_.read_files[0], json));
  }
  std::filesystem::path bin_;
  ScopedEnv env_;
};

TEST_F(CredentialHelperTest, CredHelpersRunTheHelperWithTheServer) {
  // The helper echoes the server it was asked about as the user name.
  helper("fake", R"([ "$1" = get ] || exit 3
read server
printf '{"ServerURL":"%s","Username":"%s","Secret":"s3cret"}' "$server" "$server")");
  docker_config(R"({"credHelpers": {"h.example:5000": "fake", "docker.io": "fake"}})");
  auto found = lookup_credentials("h.example:5000", files_);
  ASSERT_TRUE(found && found->has_value()) << (found ? "" : found.error().message());
  EXPECT_EQ(**found, (Credentials{"h.example:5000", "s3cret"}));
  auto hub = lookup_credentials("docker.io", files_);
  ASSERT_TRUE(hub && hub->has_value());
  EXPECT_EQ((*hub)->username, "https://index.docker.io/v1/");
  auto other = lookup_credentials("other.example", files_);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
}

TEST_F(CredentialHelperTest, CredsStoreIsTheFallback) {
  helper("store", R"(read server
[ "$server" = s.example ] || { echo "credentials not found in native keychain"; exit 1; }
echo '{"Username":"fromstore","Secret":"x"}')");
  std::string auth = base64_encode("fromauths:1");
  docker_config(R"({"auths": {"a.example": {"auth": ")" + auth + R"("}}, "credsStore": "store"})");
  auto a = lookup_credentials("a.example", files_);
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->username, "fromauths");
  auto s = lookup_credentials("s.example", files_);
  ASSERT_TRUE(s && s->has_value()) << (s ? "" : s.error().message());
  EXPECT_EQ((*s)->username, "fromstore");
  auto none = lookup_credentials("n.example", files_);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_FALSE(none->has_value());
}

TEST_F(CredentialHelperTest, HelperFailuresAreClearErrors) {
  docker_config(R"({"credHelpers": {"m.example": "missing", "b.example": "broken",
                    "g.example": "garbage"}})");
  auto missing = lookup_credentials("m.example", files_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("docker-credential-missing is not installed"),
            std::string::npos)
      << missing.error().message();
  docker_config(R"({"credHelpers": {"p.example": "../../bin/sh"}})");
  auto path = lookup_credentials("p.example", files_);
  ASSERT_FALSE(path);
  EXPECT_NE(path.error().message().find("is not a program name"), std::string::npos)
      << path.error().message();
  docker_config(R"({"credHelpers": {"m.example": "missing", "b.example": "broken",
                    "g.example": "garbage"}})");
  helper("broken", "echo 'keychain locked' >&2; exit 2");
  auto broken = lookup_credentials("b.example", files_);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("keychain locked"), std::string::npos)
      << broken.error().message();
  helper("garbage", "echo not json");
  auto garbage = lookup_credentials("g.example", files_);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message().find("no JSON"), std::string::npos)
      << garbage.error().message();
}

}  // namespace
}  // namespace sbx::image
