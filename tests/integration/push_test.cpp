// End-to-end `sandbox push` against the rig's registries: blob reuse (HEAD,
// cross-repository mount), monolithic and chunked uploads, the three kinds of
// auth, formats, a push cut off and repeated, and what independent tools
// (skopeo, podman) make of the result.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>

#include "pull_fixture.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::it {
namespace {

// Runs a shell command line as this user; {exit status, stdout (and stderr)}.
std::pair<int, std::string> shell(const std::string& command, bool with_stderr = true) {
  std::string out;
  FILE* pipe = ::popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (!pipe) return {-1, out};
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

size_t count_of(const std::string& text, const std::string& word) {
  size_t count = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

// An IPv4 address of this host outside 127/8 (empty: none): a registry there
// is not loopback, so plain HTTP to it needs --tls-verify=false or `insecure`.
std::string host_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* it = list; it && found.empty(); it = it->ifa_next) {
    if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET) continue;
    in_addr address = reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr;
    if ((ntohl(address.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &address, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// A private fault proxy (tests/rig/fault_proxy.py from this tree) in front of
// the anonymous registry: its upload faults, and no state shared with others.
class FaultProxy {
 public:
  explicit FaultProxy(const std::string& host = "127.0.0.1") {
    std::string listen = host + ":0";
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      std::string script = std::string(SBX_SOURCE_DIR) + "/tests/rig/fault_proxy.py";
      std::string upstream = "--upstream=" + rig().registry;
      ::execl("/usr/bin/python3", "python3", script.c_str(), "--listen", listen.c_str(),
              upstream.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    if (line.starts_with("listening on ")) address_ = line.substr(13);
  }
  ~FaultProxy() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& address() const { return address_; }
  // The requests seen for `nonce` (JSON list).
  nlohmann::json log(const std::string& nonce) const {
    return nlohmann::json::parse(http_get(address_, "/_rig/log?nonce=" + nonce).body, nullptr,
                                 false);
  }

 private:
  pid_t pid_ = -1;
  std::string address_;
};

class PushTest : public PullTest {
 protected:
  void SetUp() override {
    PullTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/busybox:latest");
    RunResult help = sandbox({"push", "--help"});
    ASSERT_NE(help.out.find("sandbox push"), std::string::npos) << help.describe();
  }

  // A repository of its own in the rig for this test.
  std::string repo(const std::string& registry, const std::string& name = "busybox") {
    return registry + "/push-" + token_ + "/" + name;
  }

  RunResult push(std::vector<std::string> args, RunOptions options = {}) {
    args.insert(args.begin(), "push");
    return sandbox(args, std::move(options));
  }

  // The image id a fresh store gets from pulling `reference`.
  std::string pulled_id(const std::string& reference) {
    fs::path other = test_dir() / ("pull-" + unique_token());
    RunResult r = sandbox({"pull", "-q", reference}, RunOptions{.root = other});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    remove_store_root(other);
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
  }

  // docker's config.json with `user:password` for `registry`.
  std::string write_authfile(const std::string& registry, const std::string& password) {
    fs::path file = test_dir() / ("auth-" + unique_token() + ".json");
    std::string auth =
        shell("printf '%s' '" + rig().user + ":" + password + "' | base64 -w0").second;
    std::ofstream(file) << nlohmann::json{{"auths", {{registry, {{"auth", auth}}}}}}.dump();
    return file.native();
  }

  // skopeo's raw manifest of `dest` (null JSON when skopeo fails).
  nlohmann::json skopeo_manifest(const std::string& dest) {
    auto [status, raw] = shell("skopeo inspect --raw --tls-verify=false docker://" + dest, false);
    EXPECT_EQ(status, 0) << raw;
    return nlohmann::json::parse(raw, nullptr, false);
  }

  // podman (when installed) pulls `dest` and runs a command in it.
  void expect_podman_runs(const std::string& dest) {
    if (!have_program("podman")) return;  // podman is optional here; skopeo is the proof
    std::string env = "HOME=" + home().native() +
                      " XDG_RUNTIME_DIR=" + (test_dir() / "run").native() +
                      " XDG_CONFIG_HOME=" + (home() / ".config").native() +
                      " XDG_DATA_HOME=" + (home() / ".local/share").native();
    fs::create_directories(test_dir() / "run");
    fs::permissions(test_dir() / "run", fs::perms::owner_all);
    auto [run_status, run_out] = shell(env + " podman --runtime runc run --rm --tls-verify=false " +
                                       dest + " echo podman-ran-it");
    EXPECT_EQ(run_status, 0) << run_out;
    EXPECT_NE(run_out.find("podman-ran-it"), std::string::npos) << run_out;
    shell(env + " podman system reset -f");
  }

  // A registries.conf of this test holding `text`, as the environment entry naming it.
  std::string registries_conf(const std::string& text) {
    fs::path file = test_dir() / ("registries-" + unique_token() + ".conf");
    std::ofstream(file) << text;
    return "CONTAINERS_REGISTRIES_CONF=" + file.native();
  }

  const std::string source_ = rig().image("test/busybox:latest");
  const std::string source_id_ =
      "sha256:07223efe0d6768605df22a71e253ca3a9afd8adc9b2438cc662cab9cb5f9018b";
  const std::string layer_ =
      "sha256:3233347d9026f35a496028d4ce2262ee9b9f429ff43f516846a988ed0a3a059e";
  std::string token_ = unique_token();
};

// Within one registry the blobs are mounted from the repository the image came
// from; the manifest goes up unchanged, so the digest and the id stay.
TEST_F(PushTest, AnonymousRegistryMountsBlobsAndKeepsDigestAndId) {
  pull_ok(source_);
  std::string dest = repo(rig().registry) + ":v1";
  RunResult r = push({source_, dest});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Mounted from"), std::string::npos) << r.describe();
  HttpReply original = registry_manifest(rig().registry, "test/busybox", "latest");
  HttpReply pushed = registry_manifest(rig().registry, "push-" + token_ + "/busybox", "v1");
  ASSERT_EQ(pushed.status, 200) << pushed.body;
  EXPECT_EQ(pushed.body, original.body);
  EXPECT_NE(r.out.find(pushed.headers["docker-content-digest"]), std::string::npos) << r.out;
  EXPECT_EQ(pulled_id(dest), source_id_);
  // Again: everything is there already.
  RunResult again = push({source_, dest});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(count_of(again.out, "Layer already exists"), 2u) << again.out;
}

// skopeo reads what we pushed (layers, config) and podman pulls and runs it.
TEST_F(PushTest, SkopeoAndPodmanReadThePushedImage) {
  SBX_REQUIRES(have_program("skopeo"), "skopeo");
  pull_ok(source_);
  std::string dest = repo(rig().registry) + ":v2";
  RunResult r = push({"--format", "v2s2", source_, dest});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto [status, out] = shell("skopeo inspect --tls-verify=false docker://" + dest);
  ASSERT_EQ(status, 0) << out;
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  EXPECT_EQ(doc["Layers"], nlohmann::json::array({layer_})) << out;
  auto [raw_status, raw] = shell("skopeo inspect --raw --tls-verify=false docker://" + dest);
  ASSERT_EQ(raw_status, 0) << raw;
  auto manifest = nlohmann::json::parse(raw, nullptr, false);
  EXPECT_EQ(manifest["mediaType"], "application/vnd.docker.distribution.manifest.v2+json") << raw;
  EXPECT_EQ(manifest["config"]["digest"], source_id_) << raw;
  auto [config_status, config] =
      shell("skopeo inspect --config --raw --tls-verify=false docker://" + dest, false);
  EXPECT_EQ(config_status, 0) << config;
  EXPECT_EQ(image::sha256_of(config).str(), source_id_) << config;
  EXPECT_EQ(pulled_id(dest), source_id_);
  expect_podman_runs(dest);
}

// Bearer tokens (:5001): anonymous push is refused naming what was tried;
// after `login` the same push goes through (uploads: another registry name,
// so nothing to mount from).
TEST_F(PushTest, TokenRegistryNeedsLoginAndSaysWhatWasTried) {
  pull_ok(source_);
  std::string dest = repo(rig().registry_token) + ":v1";
  // login writes podman's auth file: this test's own, so no other test sees the login.
  std::string auth_env = "REGISTRY_AUTH_FILE=" + (test_dir() / "auth.json").native();
  RunResult refused = push({source_, dest}, RunOptions{.env = {auth_env}});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("push access to " + repo(rig().registry_token) + " denied"),
            std::string::npos)
      << refused.describe();
  EXPECT_NE(refused.err.find("no credentials"), std::string::npos) << refused.describe();
  EXPECT_NE(refused.err.find("sandbox login " + rig().registry_token), std::string::npos)
      << refused.describe();
  RunResult login = sandbox({"login", "-u", rig().user, "--password-stdin", rig().registry_token},
                            RunOptions{.stdin_data = rig().password, .env = {auth_env}});
  ASSERT_EQ(login.exit_code, 0) << login.describe();
  RunResult r = push({source_, dest}, RunOptions{.env = {auth_env}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Pushed"), std::string::npos) << r.describe();
  EXPECT_EQ(pulled_id(rig().image("push-" + token_ + "/busybox:v1")), source_id_);
}

// Basic auth (:5002) with --authfile; a wrong password names the user and the file.
TEST_F(PushTest, BasicRegistryWithAuthfile) {
  pull_ok(source_);
  std::string dest = repo(rig().registry_basic) + ":v1";
  std::string wrong = write_authfile(rig().registry_basic, "wrong");
  RunResult refused = push({"--authfile", wrong, source_, dest});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("user '" + rig().user + "'"), std::string::npos) << refused.describe();
  EXPECT_NE(refused.err.find(wrong), std::string::npos) << refused.describe();
  std::string good = write_authfile(rig().registry_basic, rig().password);
  RunResult r = push({"--authfile", good, source_, dest});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(pulled_id(rig().image("push-" + token_ + "/busybox:v1")), source_id_);
}

// Cut off after the layer went up: the config's uploads are reset until the
// push gives up. Repeated, it sends only what is missing (the config).
TEST_F(PushTest, InterruptedPushIsRepeatedSkippingWhatWasSent) {
  FaultProxy proxy;
  ASSERT_FALSE(proxy.address().empty()) << "tests/rig/fault_proxy.py did not start";
  pull_ok(source_);
  std::string name = "push-" + token_ + "/busybox:v1";
  std::string cut = "c" + unique_token(), repeat = "r" + unique_token();
  RunResult failed = push(
      {"--jobs", "1", source_, proxy.address() + "/fault/" + cut + "/upload-resetx99p1/" + name});
  EXPECT_EQ(failed.exit_code, 125) << failed.describe();
  EXPECT_NE(failed.err.find(source_id_), std::string::npos) << failed.describe();  // the config
  RunResult r = push({source_, proxy.address() + "/fault/" + repeat + "/upload-resetx0/" + name});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Layer already exists"), std::string::npos) << r.describe();
  size_t uploads = 0;
  for (const auto& entry : proxy.log(repeat))
    if (entry["method"] == "PUT" &&
        entry["path"].get<std::string>().find("/blobs/uploads/") != std::string::npos)
      ++uploads;
  EXPECT_EQ(uploads, 1u) << proxy.log(repeat).dump();  // the config only
  EXPECT_EQ(pulled_id(rig().image(name)), source_id_);
}

// Chunked uploads (PATCH with Content-Range); one chunk cut half way: the
// push asks the registry what it holds and goes on from there.
TEST_F(PushTest, ChunkedUploadResumesAfterACutChunk) {
  FaultProxy proxy;
  ASSERT_FALSE(proxy.address().empty()) << "tests/rig/fault_proxy.py did not start";
  pull_ok(source_);
  std::string name = "push-" + token_ + "/busybox:v1";
  std::string nonce = "k" + unique_token();
  RunResult r = push({"--chunk-size", "262144", source_,
                      proxy.address() + "/fault/" + nonce + "/upload-resetx1p2/" + name});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json log = proxy.log(nonce);
  size_t patches = 0, posts = 0, status_checks = 0, cut = 0;
  for (const auto& entry : log) {
    std::string path = entry["path"];
    if (path.find("/blobs/uploads/") == std::string::npos) continue;
    if (entry["method"] == "PATCH") ++patches;
    if (entry["method"] == "POST") ++posts;
    if (entry["method"] == "GET") ++status_checks;
    if (entry["fault"] == "reset") ++cut;
  }
  EXPECT_EQ(cut, 1u) << log.dump();
  EXPECT_GE(patches, 5u) << log.dump();  // 1 MiB layer in 256 KiB chunks, and the cut one again
  EXPECT_EQ(posts, 2u) << log.dump();    // one upload each for layer and config: no restart
  EXPECT_GE(status_checks, 1u) << log.dump();
  EXPECT_EQ(pulled_id(rig().image(name)), source_id_);
}

// A name without a registry is Docker Hub's, as docker and podman push; said
// before anything is sent, and the error names the full destination.
TEST_F(PushTest, NameWithoutRegistryMeansDockerHub) {
  pull_ok(source_);
  std::string name = "push-" + token_ + ":v1";
  ASSERT_EQ(sandbox({"tag", source_, name}).exit_code, 0);
  RunResult r = push({name});
  EXPECT_NE(r.err.find("pushing to docker.io/library/" + name), std::string::npos) << r.describe();
  // No internet here: it cannot get far, and then the error names the full destination.
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("to docker.io/library/" + name + ":"), std::string::npos) << r.describe();
}

TEST_F(PushTest, BadInputIsRefusedClearly) {
  pull_ok(source_);
  std::string dest = repo(rig().registry) + ":bad";
  RunResult format = push({"--format", "v2s1", source_, dest});
  EXPECT_EQ(format.exit_code, 125) << format.describe();
  EXPECT_NE(format.err.find("oci or v2s2"), std::string::npos) << format.describe();
  RunResult zstd = push({"--format", "v2s2", "--compression-format", "zstd", source_, dest});
  EXPECT_EQ(zstd.exit_code, 125) << zstd.describe();
  EXPECT_NE(zstd.err.find("v2s2 manifest knows only gzip layers"), std::string::npos)
      << zstd.describe();
  RunResult xz = push({"--compression-format", "xz", source_, dest});
  EXPECT_EQ(xz.exit_code, 125) << xz.describe();
  EXPECT_NE(xz.err.find("unknown compression format 'xz' (gzip or zstd)"), std::string::npos)
      << xz.describe();
  RunResult both = push({"--compression-format", "gzip", "--disable-compression", source_, dest});
  EXPECT_EQ(both.exit_code, 125) << both.describe();
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.describe();
  RunResult missing = push({"no-such-image-" + token_, dest});
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_NE(missing.err.find("no such image"), std::string::npos) << missing.describe();
  RunResult digest = push({source_, repo(rig().registry) + "@" + source_id_});
  EXPECT_EQ(digest.exit_code, 125) << digest.describe();
  EXPECT_NE(digest.err.find("digest"), std::string::npos) << digest.describe();
  // Nothing of these reached the registry.
  EXPECT_EQ(registry_manifest(rig().registry, "push-" + token_ + "/busybox", "bad").status, 404);
}

// --compression-format zstd recompresses the gzip layer: new digest, size and
// media type (OCI: v2s2 has no zstd), same config, so a pull gives the same
// image id; a repeated push makes the same bytes and finds them there. Pulled
// into a store of its own, the zstd image goes up again as gzip.
TEST_F(PushTest, CompressionFormatRecompressesLayersKeepingTheImageId) {
  SBX_REQUIRES(have_program("skopeo"), "skopeo");
  pull_ok(source_);
  std::string dest = repo(rig().registry, "zstd") + ":v1";
  RunResult r = push({"--compression-format", "zstd", source_, dest});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Compressed"), std::string::npos) << r.describe();
  nlohmann::json manifest = skopeo_manifest(dest);
  EXPECT_EQ(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json") << manifest;
  EXPECT_EQ(manifest["config"]["digest"], source_id_) << manifest;
  ASSERT_EQ(manifest["layers"].size(), 1u) << manifest;
  const nlohmann::json& layer = manifest["layers"][0];
  EXPECT_EQ(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd") << manifest;
  std::string zstd_digest = layer["digest"];
  EXPECT_NE(zstd_digest, layer_);
  HttpReply blob = http_get(rig().registry, "/v2/push-" + token_ + "/zstd/blobs/" + zstd_digest);
  ASSERT_EQ(blob.status, 200);
  EXPECT_EQ(image::sha256_of(blob.body).str(), zstd_digest);
  EXPECT_EQ(blob.body.size(), layer["size"].get<size_t>());
  EXPECT_EQ(blob.body.substr(0, 4), std::string("\x28\xb5\x2f\xfd"));  // zstd's magic
  EXPECT_EQ(pulled_id(dest), source_id_);
  RunResult again = push({"--compression-format", "zstd", source_, dest});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(count_of(again.out, "Layer already exists"), 2u) << again.describe();
  expect_podman_runs(dest);

  // A store holding the layer as zstd, pushed as gzip (in docker's format too).
  fs::path zstd_store = test_dir() / ("zstd-" + unique_token());
  RunResult pulled = sandbox({"pull", "-q", dest}, RunOptions{.root = zstd_store});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.describe();
  std::string gzip_dest = repo(rig().registry, "gzip") + ":v1";
  RunResult gzip =
      sandbox({"push", "--format", "v2s2", "--compression-format", "gzip", dest, gzip_dest},
              RunOptions{.root = zstd_store});
  ASSERT_EQ(gzip.exit_code, 0) << gzip.describe();
  nlohmann::json docker = skopeo_manifest(gzip_dest);
  EXPECT_EQ(docker["mediaType"], "application/vnd.docker.distribution.manifest.v2+json") << docker;
  ASSERT_EQ(docker["layers"].size(), 1u) << docker;
  EXPECT_EQ(docker["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip")
      << docker;
  EXPECT_NE(docker["layers"][0]["digest"], zstd_digest) << docker;
  EXPECT_EQ(pulled_id(gzip_dest), source_id_);
  remove_store_root(zstd_store);
}

// An imported (uncompressed) layer goes up gzipped, as docker and podman push
// it, unless --disable-compression; either way a pull gives the same image.
TEST_F(PushTest, UncompressedLayersAreGzippedUnlessDisabled) {
  SBX_REQUIRES(have_program("skopeo"), "skopeo");
  fs::path src = test_dir() / "tree";
  fs::create_directories(src / "etc");
  std::ofstream(src / "etc/hello") << "hello from an imported layer\n";
  fs::path tar = test_dir() / "tree.tar";
  std::string cmd = "tar -C " + src.native() + " -cf " + tar.native() + " ./etc";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  RunResult imported = sandbox({"import", tar.native(), "push-" + token_ + "/plain:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.describe();
  std::string id = imported.out.substr(0, imported.out.find('\n'));
  std::string source = "push-" + token_ + "/plain:1";

  std::string gzipped = repo(rig().registry, "plain") + ":gzip";
  RunResult r = push({"--format", "v2s2", source, gzipped});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json manifest = skopeo_manifest(gzipped);
  ASSERT_EQ(manifest["layers"].size(), 1u) << manifest;
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip")
      << manifest;
  EXPECT_EQ(pulled_id(gzipped), id);

  std::string plain = repo(rig().registry, "plain") + ":tar";
  RunResult kept = push({"--disable-compression", source, plain});
  ASSERT_EQ(kept.exit_code, 0) << kept.describe();
  manifest = skopeo_manifest(plain);
  ASSERT_EQ(manifest["layers"].size(), 1u) << manifest;
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar")
      << manifest;
  EXPECT_EQ(pulled_id(plain), id);
  // Docker's manifest has no uncompressed layers: said, with what to do.
  RunResult refused = push({"--disable-compression", "--format", "v2s2", source, plain});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("cannot be carried by a Docker v2s2 manifest"), std::string::npos)
      << refused.describe();
}

// registries.conf applies to push as podman applies it: a blocked registry is
// refused before anything is sent; a location does not redirect a push.
TEST_F(PushTest, RegistriesConfBlocksAndDoesNotRedirect) {
  pull_ok(source_);
  std::string dest = repo(rig().registry) + ":v1";
  std::string blocked = registries_conf("[[registry]]\nlocation = \"" + rig().registry + "/push-" +
                                        token_ + "\"\nblocked = true\n");
  RunResult refused = push({source_, dest}, RunOptions{.env = {blocked}});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("registry " + rig().registry + "/push-" + token_ + " is blocked"),
            std::string::npos)
      << refused.describe();
  EXPECT_EQ(registry_manifest(rig().registry, "push-" + token_ + "/busybox", "v1").status, 404);

  std::string moved =
      registries_conf("[[registry]]\nprefix = \"" + rig().registry + "/push-" + token_ +
                      "\"\nlocation = \"" + rig().registry + "/elsewhere-" + token_ + "\"\n");
  RunResult r = push({source_, dest}, RunOptions{.env = {moved}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(registry_manifest(rig().registry, "push-" + token_ + "/busybox", "v1").status, 200);
  EXPECT_EQ(registry_manifest(rig().registry, "elsewhere-" + token_ + "/busybox", "v1").status,
            404);
}

// A plain-HTTP registry at a non-loopback address: refused while TLS is
// verified; `insecure = true` in registries.conf lets the push through, as
// --tls-verify=false does.
TEST_F(PushTest, RegistriesConfInsecureAllowsPlainHttp) {
  std::string address = host_address();
  SBX_REQUIRES(!address.empty(), "an IPv4 address outside 127/8");
  FaultProxy proxy(address);
  ASSERT_FALSE(proxy.address().empty()) << "tests/rig/fault_proxy.py did not start on " << address;
  pull_ok(source_);
  std::string dest = proxy.address() + "/push-" + token_ + "/busybox:v1";
  RunResult refused = push({source_, dest});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("(https://" + proxy.address() + ")"), std::string::npos)
      << refused.describe();
  EXPECT_NE(refused.err.find("`insecure = true` for it in registries.conf"), std::string::npos)
      << refused.describe();
  EXPECT_EQ(registry_manifest(rig().registry, "push-" + token_ + "/busybox", "v1").status, 404);
  std::string insecure =
      registries_conf("[[registry]]\nlocation = \"" + proxy.address() + "\"\ninsecure = true\n");
  RunResult r = push({source_, dest}, RunOptions{.env = {insecure}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(pulled_id(rig().image("push-" + token_ + "/busybox:v1")), source_id_);
}

}  // namespace
}  // namespace sbx::it
