#include "sandbox/image/auth.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
    files_.sandbox_file = dir_->path() / "config/sandbox/auth.json";
    files_.docker_file = dir_->path() / "docker/config.json";
  }
  std::optional<TempDir> dir_;
  AuthFiles files_;
};

TEST_F(CredentialsTest, StoresWithMode0600InDockerFormat) {
  ASSERT_TRUE(store_credentials("127.0.0.1:5002", {"tester", "testpass"}, files_));
  struct stat st {};
  ASSERT_EQ(::stat(files_.sandbox_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = read_file(files_.sandbox_file);
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
  auto text = read_file(files_.sandbox_file);
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
  ASSERT_TRUE(make_dirs(files_.docker_file.parent_path()));
  ASSERT_TRUE(write_file_atomic(files_.docker_file, R"({
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
  ASSERT_TRUE(make_dirs(files_.sandbox_file.parent_path()));
  ASSERT_TRUE(write_file_atomic(files_.sandbox_file, "{not json"));
  EXPECT_FALSE(lookup_credentials("x.example", files_));
  EXPECT_FALSE(store_credentials("x.example", {"a", "b"}, files_));
  auto text = read_file(files_.sandbox_file);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "{not json");
}

TEST_F(CredentialsTest, AuthKey) {
  EXPECT_EQ(auth_key("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(auth_key("127.0.0.1:5001"), "127.0.0.1:5001");
}

TEST(DefaultAuthFilesTest, HonoursXdgConfigHome) {
  ::setenv("XDG_CONFIG_HOME", "/tmp/xdg-test-config", 1);
  ::setenv("DOCKER_CONFIG", "/tmp/docker-test-config", 1);
  auto files = default_auth_files();
  ::unsetenv("XDG_CONFIG_HOME");
  ::unsetenv("DOCKER_CONFIG");
  ASSERT_TRUE(files);
  EXPECT_EQ(files->sandbox_file, "/tmp/xdg-test-config/sandbox/auth.json");
  EXPECT_EQ(files->docker_file, "/tmp/docker-test-config/config.json");
  const char* home = std::getenv("HOME");
  std::string saved = home ? home : "";
  ::setenv("HOME", "/home/someone", 1);
  auto fallback = default_auth_files();
  if (home) ::setenv("HOME", saved.c_str(), 1);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->sandbox_file, "/home/someone/.config/sandbox/auth.json");
  EXPECT_EQ(fallback->docker_file, "/home/someone/.docker/config.json");
}

}  // namespace
}  // namespace sbx::image
