// `sandbox load` of archives written by skopeo (docker-archive: and oci-archive:, the
// archive itself compressed or not) and of broken and hostile ones: a clear error, and
// the store exactly as before.
#include "archive_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

class ArchiveLoadTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES(have_archive("busybox.docker.tar"),
                 "the rig's archives in " + archives().native() +
                     " (run tests/rig/images/archives.sh as root)");
  }

  // A load that must fail: exit 125, one `sandbox: load: ...` error mentioning one of
  // `words`, and nothing added to the store (images, blobs, layers, staging).
  void expect_load_fails(const std::string& file, std::initializer_list<const char*> words) {
    std::string images_before = images_out();
    auto blobs = names_in("blobs/sha256");
    auto layers = names_in("layers");
    RunResult r = sandbox({"load", "-i", file});
    EXPECT_EQ(r.exit_code, 125) << file << "\n" << r.describe();
    EXPECT_EQ(r.err.rfind("sandbox: load", 0), 0u) << r.describe();
    bool named = false;
    for (const char* word : words) named = named || r.err.find(word) != std::string::npos;
    EXPECT_TRUE(named) << "the error names none of the expected words\n" << r.describe();
    EXPECT_EQ(images_out(), images_before) << file;
    EXPECT_EQ(names_in("blobs/sha256"), blobs) << file << ": blobs added";
    EXPECT_EQ(names_in("layers"), layers) << file << ": layers added";
    for (const std::string& name : names_in("tmp"))
      EXPECT_FALSE(name.starts_with("load-")) << "staging dir left: " << name;
  }
};

TEST_F(ArchiveLoadTest, SkopeoDockerArchiveLoadsWithItsTagAndRuns) {
  std::string out = load_ok(archive("busybox.docker.tar"));
  EXPECT_NE(out.find("Loaded image: test/busybox:latest"), std::string::npos) << out;
  RunResult run = sandbox({"run", "--rm", "--network", "none", "test/busybox:latest", "/bin/echo",
                           "loaded-docker-archive"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_NE(run.out.find("loaded-docker-archive"), std::string::npos) << run.describe();
}

TEST_F(ArchiveLoadTest, SkopeoOciArchiveLoadsAndRunsByIdWithTheSameIdAsTheDockerArchive) {
  std::string id = loaded_id(load_ok(archive("busybox.oci.tar")));
  ASSERT_EQ(id.rfind("sha256:", 0), 0u) << "a bare ref.name (\"latest\") gives no name";
  RunResult run = sandbox({"run", "--rm", "--network", "none", id, "/bin/echo", "loaded-oci"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_NE(run.out.find("loaded-oci"), std::string::npos) << run.describe();
  load_ok(archive("busybox.docker.tar"));
  EXPECT_EQ(image_id("test/busybox:latest"), id) << "the config blob, hence the id, is the same";
}

// `load -i DIR`: an OCI layout and a docker-archive, unpacked, load as their tars do
// (the directory's files are copied, never taken).
TEST_F(ArchiveLoadTest, UnpackedArchiveDirectoriesLoad) {
  std::string id = loaded_id(load_ok(archive("busybox.oci.tar")));
  ASSERT_EQ(sandbox({"rmi", id}).exit_code, 0);
  for (const char* name : {"busybox.oci.tar", "busybox.docker.tar"}) {
    fs::path dir = test_dir() / (std::string(name) + ".d");
    fs::create_directories(dir);
    auto [status, out] = shell("tar -xf " + archive(name) + " -C " + dir.native());
    ASSERT_EQ(status, 0) << out;
    size_t files_before = std::distance(fs::recursive_directory_iterator(dir), {});
    RunResult r = sandbox({"load", "-i", dir.native()});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.describe();
    EXPECT_NE(r.out.find("Loaded image"), std::string::npos) << r.describe();
    EXPECT_EQ(std::distance(fs::recursive_directory_iterator(dir), {}), files_before) << name;
  }
  EXPECT_EQ(image_id("test/busybox:latest"), id) << "the same image as from the tar";
  RunResult run = sandbox({"run", "--rm", "--network", "none", id, "/bin/echo", "from-dir"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_NE(run.out.find("from-dir"), std::string::npos) << run.describe();
}

TEST_F(ArchiveLoadTest, ADirectoryLinkOutsideItIsRefused) {
  fs::path dir = test_dir() / "escape.d";
  fs::create_directories(dir);
  fs::create_symlink("/etc/passwd", dir / "manifest.json");
  expect_load_fails(dir.native(), {"links outside the directory"});
}

TEST_F(ArchiveLoadTest, CompressedLayeredArchiveFromStdinKeepsWhiteoutsOpaqueDirsAndOwners) {
  std::ifstream in(archive("layered.docker.tar.gz"), std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  RunOptions options;
  options.stdin_data = data.str();
  RunResult r = sandbox({"load"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Loaded image: test/layered:latest"), std::string::npos) << r.out;
  RunResult run =
      sandbox({"run", "--rm", "--network", "none", "test/layered:latest", "/bin/sh", "-c",
               "ls /data/replaced; test -e /data/deleted.txt || echo gone; "
               "stat -c %u /data/owner-1000"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.out, "new.txt\ngone\n1000\n") << run.describe();
}

TEST_F(ArchiveLoadTest, OciArchiveOfALayeredImageRuns) {
  SBX_REQUIRES(have_archive("layered.oci.tar"), "layered.oci.tar in the rig's archives");
  std::string id = loaded_id(load_ok(archive("layered.oci.tar")));
  ASSERT_FALSE(id.empty());
  RunResult run = sandbox({"run", "--rm", "--network", "none", id, "/bin/cat", "/data/keep.txt"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.out, "keep\n");
}

TEST_F(ArchiveLoadTest, LoadingTwiceIsHarmless) {
  load_ok(archive("busybox.docker.tar"));
  std::string id = image_id("test/busybox:latest");
  load_ok(archive("busybox.docker.tar"));
  EXPECT_EQ(image_id("test/busybox:latest"), id);
}

TEST_F(ArchiveLoadTest, CorruptLayerIsADiffIdErrorAndLoadsNothing) {
  expect_load_fails(archive("corrupt-layer.docker.tar"), {"diff id", "digest"});
}

TEST_F(ArchiveLoadTest, CorruptBlobIsADigestErrorAndLoadsNothing) {
  expect_load_fails(archive("corrupt-blob.oci.tar"), {"digest"});
}

TEST_F(ArchiveLoadTest, TruncatedArchivesAreAnErrorAndLoadNothing) {
  expect_load_fails(archive("truncated.docker.tar"), {"truncated"});
  expect_load_fails(archive("truncated.oci.tar"), {"truncated", "lacks"});
}

TEST_F(ArchiveLoadTest, NotAnArchiveAndAnArchiveWithoutImagesAreErrors) {
  expect_load_fails(archive("not-an-archive.tar"), {"corrupt", "format"});
  fs::path empty_tar = test_dir() / "other.tar";
  auto [status, out] = shell("tar -C /etc -cf '" + empty_tar.native() + "' hostname");
  ASSERT_EQ(status, 0) << out;
  expect_load_fails(empty_tar.native(), {"manifest.json"});
  expect_load_fails((test_dir() / "missing.tar").native(), {"missing.tar"});
}

TEST_F(ArchiveLoadTest, MembersLeavingTheArchiveAreRefused) {
  expect_load_fails(archive("member-dotdot.tar"), {"outside the archive"});
  EXPECT_FALSE(fs::exists(test_dir().parent_path() / "sbx-evil-member"));
}

TEST_F(ArchiveLoadTest, HostileLayersMeetPullsRules) {
  SBX_REQUIRES(have_archive("hostile-dotdot.docker.tar"), "the hostile archives");
  // The base layer is loaded first so the hostile archive's only new layer is the bad one.
  load_ok(archive("busybox.docker.tar"));
  expect_load_fails(archive("hostile-dotdot.docker.tar"), {"sbx-evil-dotdot"});
  expect_load_fails(archive("hostile-hardlink-abs.oci.tar"), {"hardlink"});
  std::error_code ec;
  fs::recursive_directory_iterator it(root(), fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    EXPECT_FALSE(it->path().filename().native().starts_with("sbx-evil")) << it->path();
}

}  // namespace
}  // namespace sbx::it
