// The image module's registry client against the rig's real registries:
// anonymous, Bearer token and Basic auth, manifests by tag and digest, index
// selection, verified and resumable blob downloads, and the fault proxy.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/image/registry_client.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

using image::Credentials;
using image::Descriptor;
using image::ImageIndex;
using image::ImageManifest;
using image::RegistryClient;
using image::RegistryOptions;

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SBX_REQUIRES_RIG();
    auto dir = TempDir::create({}, "sbx-registry-test-");
    ASSERT_TRUE(dir) << dir.error().message();
    dir_.emplace(std::move(*dir));
    // Never pick up the invoking user's credentials.
    files_.login_file = dir_->path() / "auth.json";
    files_.read_files = {dir_->path() / "docker-config.json"};
  }

  RegistryOptions options(std::optional<Credentials> credentials = std::nullopt) const {
    RegistryOptions o;
    o.auth_files = files_;
    o.credentials = std::move(credentials);
    o.initial_backoff = std::chrono::milliseconds(20);
    return o;
  }

  Credentials good() const { return {rig().user, rig().password}; }

  Result<RegistryClient> client(const std::string& ref, RegistryOptions o) {
    auto reference = image::parse_reference(ref);
    if (!reference) return std::unexpected(reference.error());
    return RegistryClient::create(*reference, std::move(o));
  }

  // The image manifest of `tag` for this host (following an index).
  ImageManifest manifest_of(const RegistryClient& c, const std::string& tag) {
    auto fetched = c.fetch_manifest(tag);
    EXPECT_TRUE(fetched) << fetched.error().message();
    if (!fetched) return {};
    auto any = image::parse_any_manifest(fetched->body, fetched->media_type);
    EXPECT_TRUE(any) << any.error().message();
    if (!any) return {};
    if (auto* index = std::get_if<ImageIndex>(&*any)) {
      auto chosen = image::select_manifest(*index, image::host_platform());
      EXPECT_TRUE(chosen) << chosen.error().message();
      if (!chosen) return {};
      return manifest_of(c, chosen->digest.str());
    }
    return std::get<ImageManifest>(*any);
  }

  fs::path dest(const Descriptor& d) const { return dir_->path() / d.digest.hex(); }

  // Downloads every layer and checks each file hashes to its digest.
  void fetch_all_layers(const RegistryClient& c, const ImageManifest& m) {
    for (const auto& layer : m.layers) {
      auto fetched = c.fetch_blob(layer, dest(layer));
      ASSERT_TRUE(fetched) << fetched.error().message();
      auto digest = image::sha256_of_file(dest(layer));
      ASSERT_TRUE(digest);
      EXPECT_EQ(*digest, layer.digest);
      EXPECT_EQ(fs::file_size(dest(layer)), layer.size);
      EXPECT_FALSE(fs::exists(dest(layer).string() + ".partial"));
    }
  }

  // Requests the fault proxy saw for `nonce` (its JSON log, as text).
  std::string fault_log(const std::string& nonce) {
    return http_get(rig().fault_proxy, "/_rig/log?nonce=" + nonce).body;
  }

  std::optional<TempDir> dir_;
  image::AuthFiles files_;
};

TEST_F(RegistryClientTest, AnonymousOciManifestConfigAndLayers) {
  auto c = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->base_url(), "http://" + rig().registry);
  auto fetched = c->fetch_manifest("latest");
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->media_type, image::media_type::kOciManifest);
  EXPECT_EQ(fetched->digest, image::sha256_of(fetched->body));
  ImageManifest m = manifest_of(*c, "latest");
  ASSERT_EQ(m.layers.size(), 1u);
  auto config_bytes = c->fetch_blob_bytes(m.config);
  ASSERT_TRUE(config_bytes) << config_bytes.error().message();
  auto config = image::parse_config(*config_bytes);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->os, "linux");
  EXPECT_EQ(config->cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(config->diff_ids.size(), m.layers.size());
  fetch_all_layers(*c, m);
}

TEST_F(RegistryClientTest, DockerSchema2) {
  auto c = client(rig().image("test/busybox:v2s2"), options());
  ASSERT_TRUE(c) << c.error().message();
  auto fetched = c->fetch_manifest("v2s2");
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->media_type, image::media_type::kDockerManifest);
  ImageManifest m = manifest_of(*c, "v2s2");
  EXPECT_EQ(m.config.media_type, image::media_type::kDockerConfig);
  fetch_all_layers(*c, m);
}

TEST_F(RegistryClientTest, ManifestByDigestIsVerified) {
  auto c = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  auto by_tag = c->fetch_manifest("latest");
  ASSERT_TRUE(by_tag) << by_tag.error().message();
  auto by_digest = c->fetch_manifest(by_tag->digest.str());
  ASSERT_TRUE(by_digest) << by_digest.error().message();
  EXPECT_EQ(by_digest->body, by_tag->body);
  EXPECT_EQ(by_digest->digest, by_tag->digest);
  EXPECT_FALSE(c->fetch_manifest("sha256:abc"));
}

TEST_F(RegistryClientTest, MultiarchIndexPicksThePlatform) {
  auto c = client(rig().image("test/multiarch:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  auto fetched = c->fetch_manifest("latest");
  ASSERT_TRUE(fetched) << fetched.error().message();
  auto index = image::parse_index(fetched->body);
  ASSERT_TRUE(index) << index.error().message();
  auto amd64 = image::select_manifest(*index, *image::parse_platform("linux/amd64"));
  auto arm64 = image::select_manifest(*index, *image::parse_platform("linux/arm64"));
  ASSERT_TRUE(amd64) << amd64.error().message();
  ASSERT_TRUE(arm64) << arm64.error().message();
  EXPECT_NE(amd64->digest, arm64->digest);
  auto arm_manifest = c->fetch_manifest(arm64->digest.str());
  ASSERT_TRUE(arm_manifest) << arm_manifest.error().message();
  EXPECT_EQ(arm_manifest->digest, arm64->digest);
  auto none = image::select_manifest(*index, *image::parse_platform("linux/s390x"));
  ASSERT_FALSE(none);
  EXPECT_TRUE(contains(none.error().message(), "linux/arm64")) << none.error().message();
}

TEST_F(RegistryClientTest, UnknownTagSays404AndWhatToCheck) {
  auto c = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  auto missing = c->fetch_manifest("no-such-tag");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(contains(missing.error().message(), "404")) << missing.error().message();
  EXPECT_TRUE(contains(missing.error().message(), "not found")) << missing.error().message();
  EXPECT_TRUE(contains(missing.error().hint(), "check the name")) << missing.error().hint();
}

TEST_F(RegistryClientTest, UnreachableRegistry) {
  RegistryOptions o = options();
  o.max_attempts = 2;
  auto c = client("127.0.0.1:1/test/busybox:latest", o);
  ASSERT_FALSE(c);
  EXPECT_TRUE(contains(c.error().message(), "cannot reach registry 127.0.0.1:1"))
      << c.error().message();
  EXPECT_FALSE(c.error().hint().empty());
}

TEST_F(RegistryClientTest, TokenRegistryAnonymousPublicRepository) {
  auto c = client(rig().registry_token + "/public/busybox:latest", options());
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  ASSERT_FALSE(m.layers.empty());
  fetch_all_layers(*c, m);
}

TEST_F(RegistryClientTest, TokenRegistryRefusesAnonymousPrivateRepository) {
  auto c = client(rig().registry_token + "/test/busybox:latest", options());
  ASSERT_TRUE(c) << c.error().message();
  auto denied = c->fetch_manifest("latest");
  ASSERT_FALSE(denied);
  EXPECT_TRUE(contains(denied.error().message(), "401") ||
              contains(denied.error().message(), "403"))
      << denied.error().message();
  EXPECT_TRUE(contains(denied.error().hint(), "sandbox login " + rig().registry_token))
      << denied.error().hint();
}

TEST_F(RegistryClientTest, TokenRegistryWithCredentialsAndConcurrentBlobs) {
  auto c = client(rig().registry_token + "/test/layered:latest", options(good()));
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  ASSERT_GE(m.layers.size(), 3u);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(m.layers.size());
  std::atomic<uint64_t> progress_calls{0};
  for (size_t i = 0; i < m.layers.size(); ++i) {
    threads.emplace_back([&, i] {
      auto done = c->fetch_blob(m.layers[i], dest(m.layers[i]), [&](uint64_t got, uint64_t total) {
        if (got <= total) ++progress_calls;
      });
      if (!done) errors[i] = done.error().message();
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i], "") << "layer " << i;
    auto digest = image::sha256_of_file(dest(m.layers[i]));
    ASSERT_TRUE(digest);
    EXPECT_EQ(*digest, m.layers[i].digest);
  }
  EXPECT_GT(progress_calls.load(), m.layers.size());
}

TEST_F(RegistryClientTest, TokenRegistryWrongPassword) {
  auto c = client(rig().registry_token + "/test/busybox:latest",
                  options(Credentials{rig().user, "wrong"}));
  ASSERT_TRUE(c) << c.error().message();
  auto denied = c->fetch_manifest("latest");
  ASSERT_FALSE(denied);
  EXPECT_TRUE(contains(denied.error().message(), "refused user")) << denied.error().message();
}

TEST_F(RegistryClientTest, CredentialsComeFromTheAuthFile) {
  ASSERT_TRUE(image::store_credentials(rig().registry_token, good(), files_));
  auto c = client(rig().registry_token + "/test/busybox:latest", options());
  ASSERT_TRUE(c) << c.error().message();
  auto fetched = c->fetch_manifest("latest");
  EXPECT_TRUE(fetched) << fetched.error().message();
}

TEST_F(RegistryClientTest, DockerConfigCredentialsAreHonoured) {
  std::string auth = image::base64_encode(rig().user + ":" + rig().password);
  ASSERT_TRUE(write_file_atomic(
      files_.read_files[0],
      R"({"auths": {"http://)" + rig().registry_basic + R"(/": {"auth": ")" + auth + R"("}}})"));
  auto c = client(rig().registry_basic + "/test/busybox:latest", options());
  ASSERT_TRUE(c) << c.error().message();
  auto fetched = c->fetch_manifest("latest");
  EXPECT_TRUE(fetched) << fetched.error().message();
}

TEST_F(RegistryClientTest, BasicRegistry) {
  auto anonymous = client(rig().registry_basic + "/test/busybox:latest", options());
  ASSERT_TRUE(anonymous) << anonymous.error().message();
  auto denied = anonymous->fetch_manifest("latest");
  ASSERT_FALSE(denied);
  EXPECT_TRUE(contains(denied.error().hint(), "sandbox login " + rig().registry_basic))
      << denied.error().message() << " / " << denied.error().hint();

  auto c = client(rig().registry_basic + "/test/busybox:latest", options(good()));
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  fetch_all_layers(*c, m);

  auto wrong = client(rig().registry_basic + "/test/busybox:latest",
                      options(Credentials{rig().user, "wrong"}));
  ASSERT_TRUE(wrong) << wrong.error().message();
  auto refused = wrong->fetch_manifest("latest");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(contains(refused.error().message(), "401")) << refused.error().message();
}

TEST_F(RegistryClientTest, LoginStoresOnlyGoodCredentials) {
  RegistryOptions o = options();
  auto bad = image::login(rig().registry_token, Credentials{rig().user, "wrong"}, o);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message(), "incorrect username or password"))
      << bad.error().message();
  EXPECT_FALSE(fs::exists(files_.login_file));
  auto bad_basic = image::login(rig().registry_basic, Credentials{rig().user, "wrong"}, o);
  ASSERT_FALSE(bad_basic);
  EXPECT_TRUE(contains(bad_basic.error().message(), "incorrect username or password"))
      << bad_basic.error().message();

  ASSERT_TRUE(image::login(rig().registry_token, good(), o));
  ASSERT_TRUE(image::login(rig().registry_basic, good(), o));
  struct stat st {};
  ASSERT_EQ(::stat(files_.login_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto stored = image::lookup_credentials(rig().registry_basic, files_);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ(**stored, good());

  ASSERT_TRUE(image::logout(rig().registry_basic, o));
  auto gone = image::lookup_credentials(rig().registry_basic, files_);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  EXPECT_FALSE(image::logout(rig().registry_basic, o));
  auto kept = image::lookup_credentials(rig().registry_token, files_);
  ASSERT_TRUE(kept && kept->has_value());
}

TEST_F(RegistryClientTest, CorruptBlobFailsNamingTheDigest) {
  auto c = client(rig().image("test/corrupt:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  int mismatches = 0;
  for (const auto& layer : m.layers) {
    auto fetched = c->fetch_blob(layer, dest(layer));
    if (fetched) continue;
    ++mismatches;
    EXPECT_TRUE(contains(fetched.error().message(), "digest mismatch"))
        << fetched.error().message();
    EXPECT_TRUE(contains(fetched.error().message(), layer.digest.str()))
        << fetched.error().message();
    EXPECT_FALSE(fs::exists(dest(layer)));
    EXPECT_FALSE(fs::exists(dest(layer).string() + ".partial"));
  }
  EXPECT_EQ(mismatches, 1);
}

TEST_F(RegistryClientTest, RefusesBodiesLargerThanTheDescriptor) {
  auto c = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  ASSERT_FALSE(m.layers.empty());
  Descriptor lying = m.layers[0];
  lying.size = lying.size / 2;
  auto fetched = c->fetch_blob(lying, dest(lying));
  ASSERT_FALSE(fetched);
  EXPECT_TRUE(contains(fetched.error().message(), "larger than its descriptor"))
      << fetched.error().message();
  EXPECT_FALSE(fs::exists(dest(lying)));
  EXPECT_FALSE(fs::exists(dest(lying).string() + ".partial"));
  Descriptor small_config = m.config;
  small_config.size -= 1;
  EXPECT_FALSE(c->fetch_blob_bytes(small_config));
}

TEST_F(RegistryClientTest, ResumesALeftoverPartialWithRange) {
  auto direct = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(direct) << direct.error().message();
  ImageManifest m = manifest_of(*direct, "latest");
  ASSERT_FALSE(m.layers.empty());
  const Descriptor& layer = m.layers[0];
  fetch_all_layers(*direct, m);
  // Keep the first half as a leftover partial download, then fetch through
  // the proxy (a mode that never faults, so its requests are logged).
  std::string half;
  {
    std::ifstream in(dest(layer), std::ios::binary);
    half.resize(layer.size / 2);
    in.read(half.data(), static_cast<std::streamsize>(half.size()));
  }
  fs::remove(dest(layer));
  ASSERT_TRUE(write_file_atomic(dest(layer).string() + ".partial", half));
  std::string nonce = unique_token();
  auto proxied =
      client(rig().fault_proxy + "/fault/" + nonce + "/any-500x0/test/busybox:latest", options());
  ASSERT_TRUE(proxied) << proxied.error().message();
  auto fetched = proxied->fetch_blob(layer, dest(layer));
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(*image::sha256_of_file(dest(layer)), layer.digest);
  EXPECT_TRUE(contains(fault_log(nonce), "bytes=" + std::to_string(half.size()) + "-"))
      << fault_log(nonce);
}

TEST_F(RegistryClientTest, StartsOverWhenALeftoverPartialIsBad) {
  auto c = client(rig().image("test/busybox:latest"), options());
  ASSERT_TRUE(c) << c.error().message();
  ImageManifest m = manifest_of(*c, "latest");
  ASSERT_FALSE(m.layers.empty());
  const Descriptor& layer = m.layers[0];
  ASSERT_TRUE(write_file_atomic(dest(layer).string() + ".partial", std::string(1000, 'x')));
  auto fetched = c->fetch_blob(layer, dest(layer));
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(*image::sha256_of_file(dest(layer)), layer.digest);
  EXPECT_FALSE(fs::exists(dest(layer).string() + ".partial"));
}

struct FaultCase {
  const char* mode;
  bool succeeds;
  const char* log_must_show;  // "" for nothing
};

class RegistryFaultTest : public RegistryClientTest,
                          public ::testing::WithParamInterface<FaultCase> {};

TEST_P(RegistryFaultTest, RetriesAndResumes) {
  const FaultCase& fault = GetParam();
  std::string nonce = unique_token();
  auto c = client(rig().fault_proxy + "/fault/" + nonce + "/" + fault.mode + "/test/layered:latest",
                  options());
  ASSERT_TRUE(c) << c.error().message();
  auto fetched = c->fetch_manifest("latest");
  if (!fetched) {
    EXPECT_FALSE(fault.succeeds) << fetched.error().message();
    return;
  }
  auto any = image::parse_any_manifest(fetched->body, fetched->media_type);
  ASSERT_TRUE(any) << any.error().message();
  ImageManifest m = std::get<ImageManifest>(*any);
  std::string failure;
  for (const auto& layer : m.layers) {
    auto done = c->fetch_blob(layer, dest(layer));
    if (!done) {
      failure = done.error().message();
      break;
    }
    EXPECT_EQ(*image::sha256_of_file(dest(layer)), layer.digest);
  }
  if (fault.succeeds) {
    EXPECT_EQ(failure, "");
  } else {
    EXPECT_TRUE(contains(failure, "attempts")) << failure;
  }
  if (*fault.log_must_show) {
    EXPECT_TRUE(contains(fault_log(nonce), fault.log_must_show)) << fault_log(nonce);
  }
}

INSTANTIATE_TEST_SUITE_P(FaultProxy, RegistryFaultTest,
                         ::testing::Values(FaultCase{"blob-500x2", true, "\"status\": 500"},
                                           FaultCase{"blob-503x2", true, ""},
                                           FaultCase{"blob-429x2", true, ""},
                                           FaultCase{"manifest-503x3", true, ""},
                                           FaultCase{"blob-reset", true, "bytes="},
                                           FaultCase{"blob-trunc", true, "bytes="},
                                           FaultCase{"blob-badlen", true, "bytes="},
                                           FaultCase{"blob-500x20", false, ""}),
                         [](const ::testing::TestParamInfo<FaultCase>& param) {
                           std::string name = param.param.mode;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace sbx::it

namespace sbx::it {
namespace {

// A throwaway TLS registry with a self-signed certificate on a free port.
class TlsRegistry {
 public:
  static std::optional<TlsRegistry> start(const fs::path& dir) {
    TlsRegistry r;
    r.port_ = unused_loopback_port();
    r.host_ = "127.0.0.1:" + std::to_string(r.port_);
    std::string crt = (dir / "tls.crt").string(), key = (dir / "tls.key").string();
    auto made = run_checked({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                             key, "-out", crt, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                             "subjectAltName=IP:127.0.0.1"});
    if (!made) return std::nullopt;
    std::string config =
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        "    rootdirectory: " +
        (dir / "data").string() + "\nhttp:\n  addr: " + r.host_ +
        "\n  tls:\n    certificate: " + crt + "\n    key: " + key + "\n";
    if (!write_file_atomic(dir / "config.yml", config)) return std::nullopt;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execlp("docker-registry", "docker-registry", "serve", (dir / "config.yml").c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    r.child_ = ChildProcess(pid);
    for (int i = 0; i < 100; ++i) {  // until it listens
      if (http_get(r.host_, "/v2/").status != 0) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  const std::string& host() const { return host_; }

 private:
  int port_ = 0;
  std::string host_;
  ChildProcess child_;
};

TEST_F(RegistryClientTest, TlsRegistryTrustComesFromCertsD) {
  SBX_REQUIRES(have_program("docker-registry") && have_program("openssl"),
               "docker-registry and openssl");
  auto registry = TlsRegistry::start(dir_->path());
  ASSERT_TRUE(registry) << "could not start a TLS docker-registry";
  auto untrusted = client(registry->host() + "/x/y:latest", options());
  ASSERT_FALSE(untrusted);
  EXPECT_TRUE(contains(untrusted.error().message(), "not trusted")) << untrusted.error().message();
  EXPECT_TRUE(contains(untrusted.error().hint(), "certs.d")) << untrusted.error().hint();

  RegistryOptions insecure = options();
  insecure.tls_verify = false;
  auto skipped = client(registry->host() + "/x/y:latest", insecure);
  ASSERT_TRUE(skipped) << skipped.error().message();
  EXPECT_EQ(skipped->base_url(), "https://" + registry->host());

  fs::path certs = dir_->path() / "config/containers/certs.d" / registry->host();
  fs::create_directories(certs);
  fs::copy_file(dir_->path() / "tls.crt", certs / "ca.crt");
  std::string saved = std::getenv("XDG_CONFIG_HOME") ? std::getenv("XDG_CONFIG_HOME") : "";
  ::setenv("XDG_CONFIG_HOME", (dir_->path() / "config").c_str(), 1);
  auto trusted = client(registry->host() + "/x/y:latest", options());
  if (saved.empty())
    ::unsetenv("XDG_CONFIG_HOME");
  else
    ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  ASSERT_TRUE(trusted) << trusted.error().message();
  EXPECT_EQ(trusted->base_url(), "https://" + registry->host());
  auto missing = trusted->fetch_manifest("latest");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(contains(missing.error().message(), "404")) << missing.error().message();
}

// `sandbox login` / `logout` as a user types them.
class LoginCommandTest : public SandboxTest {};

TEST_F(LoginCommandTest, LoginWithPasswordStdinAndLogout) {
  SBX_REQUIRES_RIG();
  RunOptions in;
  in.stdin_data = rig().password + "\n";
  auto r = sandbox({"login", "-u", rig().user, "--password-stdin", rig().registry_token}, in);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "Login Succeeded")) << r.describe();
  // podman's file (no XDG_RUNTIME_DIR in the tests: the config one).
  fs::path file = home() / ".config/containers/auth.json";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto out = sandbox({"logout", rig().registry_token});
  EXPECT_EQ(out.exit_code, 0) << out.describe();
  auto again = sandbox({"logout", rig().registry_token});
  EXPECT_EQ(again.exit_code, 125) << again.describe();
  EXPECT_TRUE(contains(again.err, "not logged in")) << again.describe();
}

TEST_F(LoginCommandTest, WrongPasswordFailsAndStoresNothing) {
  SBX_REQUIRES_RIG();
  for (const std::string& registry : {rig().registry_token, rig().registry_basic}) {
    RunOptions in;
    in.stdin_data = "wrong\n";
    auto r = sandbox({"login", "-u", rig().user, "--password-stdin", registry}, in);
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "incorrect username or password")) << r.describe();
  }
  EXPECT_FALSE(fs::exists(home() / ".config/containers/auth.json"));
}

TEST_F(LoginCommandTest, NoPasswordWithoutTerminalSaysHow) {
  SBX_REQUIRES_RIG();
  auto r = sandbox({"login", "-u", rig().user, rig().registry_basic});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "--password-stdin")) << r.describe();
}

}  // namespace
}  // namespace sbx::it
