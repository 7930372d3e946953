// `sandbox save` in both formats: what docker save / skopeo write, readable by skopeo,
// and a save then load round trip that keeps the image id.
#include "archive_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

class ArchiveSaveTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/busybox:latest");
    RunResult r = sandbox({"pull", "-q", image()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    id_ = image_id(image());
    ASSERT_EQ(id_.rfind("sha256:", 0), 0u);
  }
  static std::string image() { return rig().image("test/busybox:latest"); }

  // save, rmi (the layers are collected), load: the same id again.
  void expect_round_trip(const std::vector<std::string>& format) {
    std::string file = (test_dir() / "saved.tar").native();
    std::vector<std::string> args{"save", "-o", file};
    args.insert(args.end(), format.begin(), format.end());
    args.push_back(image());
    RunResult save = sandbox(args);
    ASSERT_EQ(save.exit_code, 0) << save.describe();
    RunResult rmi = sandbox({"rmi", image()});
    ASSERT_EQ(rmi.exit_code, 0) << rmi.describe();
    ASSERT_TRUE(names_in("layers").empty()) << "rmi left layers: the load would prove nothing";
    std::string out = load_ok(file);
    EXPECT_NE(out.find("Loaded image: " + rig().image("test/busybox:latest")), std::string::npos)
        << out;
    EXPECT_EQ(image_id(image()), id_);
    RunResult run = sandbox({"run", "--rm", "--network", "none", image(), "/bin/echo", "again"});
    EXPECT_EQ(run.exit_code, 0) << run.describe();
    EXPECT_EQ(run.out, "again\n");
  }

  std::string id_;
};

TEST_F(ArchiveSaveTest, DockerArchiveHasWhatDockerSaveWrites) {
  std::string file = (test_dir() / "busybox.tar").native();
  RunResult r = sandbox({"save", "-o", file, image()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::set<std::string> members = tar_members(file);
  std::string hex = id_.substr(7);
  EXPECT_TRUE(members.contains("manifest.json"));
  EXPECT_TRUE(members.contains("repositories"));
  EXPECT_TRUE(members.contains(hex + ".json")) << "the config under the image id";
  auto [status, manifest] = shell("tar -xOf '" + file + "' manifest.json");
  ASSERT_EQ(status, 0);
  auto doc = nlohmann::json::parse(manifest, nullptr, false);
  ASSERT_TRUE(doc.is_array() && doc.size() == 1) << manifest;
  EXPECT_EQ(doc[0]["Config"], hex + ".json");
  EXPECT_EQ(doc[0]["RepoTags"], nlohmann::json({rig().image("test/busybox:latest")}));
  ASSERT_EQ(doc[0]["Layers"].size(), 1u);
  // docker-archive layers are uncompressed tars, whatever the registry had.
  auto [tstatus, listing] =
      shell("tar -xOf '" + file + "' '" + doc[0]["Layers"][0].get<std::string>() + "' | tar -t");
  EXPECT_EQ(tstatus, 0) << listing;
  EXPECT_NE(listing.find("bin/busybox"), std::string::npos);
  if (have_program("skopeo")) {
    auto [sstatus, inspected] = shell("skopeo inspect docker-archive:'" + file + "'");
    EXPECT_EQ(sstatus, 0) << inspected;
  }
}

TEST_F(ArchiveSaveTest, OciArchiveIsAcceptedBySkopeo) {
  SBX_REQUIRES(have_program("skopeo"), "skopeo");
  std::string file = (test_dir() / "busybox.oci.tar").native();
  RunResult r = sandbox({"save", "--format", "oci-archive", "-o", file, image()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::set<std::string> members = tar_members(file);
  EXPECT_TRUE(members.contains("oci-layout"));
  EXPECT_TRUE(members.contains("index.json"));
  EXPECT_TRUE(members.contains("blobs/sha256/" + id_.substr(7)));
  auto [status, out] = shell("skopeo inspect oci-archive:'" + file + "'");
  ASSERT_EQ(status, 0) << out;
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << out;
  // The stored manifest is kept: skopeo sees the digest the registry served.
  RunResult inspect = sandbox({"inspect", image()});
  EXPECT_NE(inspect.out.find(doc.value("Digest", std::string("none"))), std::string::npos)
      << out << inspect.out;
  auto [cstatus, config] = shell("skopeo inspect --config oci-archive:'" + file + "'");
  EXPECT_EQ(cstatus, 0) << config;
}

TEST_F(ArchiveSaveTest, DockerArchiveRoundTripKeepsTheId) { expect_round_trip({}); }

TEST_F(ArchiveSaveTest, OciArchiveRoundTripKeepsTheId) {
  expect_round_trip({"--format", "oci-archive"});
}

TEST_F(ArchiveSaveTest, WritesToStdoutWhenItIsNotATerminal) {
  RunResult r = sandbox({"save", image()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(r.out.size(), 1024u);
  EXPECT_EQ(r.out.substr(257, 5), "ustar") << "a tar on stdout";
}

TEST_F(ArchiveSaveTest, UnknownImageOrFormatIsAnErrorAndWritesNoFile) {
  fs::path file = test_dir() / "none.tar";
  RunResult r = sandbox({"save", "-o", file.native(), "no-such-image:1"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("no-such-image"), std::string::npos) << r.describe();
  EXPECT_FALSE(fs::exists(file));
  RunResult f = sandbox({"save", "--format", "zip", "-o", file.native(), image()});
  EXPECT_EQ(f.exit_code, 125) << f.describe();
  EXPECT_NE(f.err.find("zip"), std::string::npos) << f.describe();
  for (const auto& entry : fs::directory_iterator(test_dir()))
    EXPECT_FALSE(entry.path().filename().native().starts_with("none.tar")) << entry.path();
}

}  // namespace
}  // namespace sbx::it
