// `sandbox commit` and `sandbox export`: a container's changes (a new file, a deletion, a
// replaced directory) become a layer that a new container sees; --change edits the config.
#include <unistd.h>

#include "archive_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

// In the container: a new file, a deleted file, a dir replaced by a new one (overlay makes
// it opaque), a file owned by uid 1000 and a hardlink pair.
constexpr const char* kChanges =
    "echo changed > /data/new-file && rm /data/keep.txt && rm -rf /data/replaced && "
    "mkdir /data/replaced && echo only > /data/replaced/only.txt && "
    "echo owned > /data/by-1000 && chown 1000:1000 /data/by-1000 && "
    "echo linked > /data/link-a && ln /data/link-a /data/link-b";

class CommitTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/layered:latest");
    RunResult pull = sandbox({"pull", "-q", layered()});
    ASSERT_EQ(pull.exit_code, 0) << pull.describe();
  }
  static std::string layered() { return rig().image("test/layered:latest"); }

  // A stopped container named `name` with kChanges applied.
  void make_changed_container(const std::string& name) {
    RunResult r =
        sandbox({"run", "--name", name, "--network", "none", layered(), "/bin/sh", "-c", kChanges});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  RunResult run_image(const std::string& image, const std::vector<std::string>& args) {
    std::vector<std::string> all{"run", "--rm", "--network", "none", image};
    all.insert(all.end(), args.begin(), args.end());
    return sandbox(all);
  }

  // The image config stored for `id` (sha256:...).
  nlohmann::json config_of(const std::string& id) {
    std::ifstream in(root() / "blobs/sha256" / id.substr(7));
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str(), nullptr, false);
  }
};

TEST_F(CommitTest, CommittedImageShowsTheChangesDeletionAndOpaqueDir) {
  make_changed_container("c1");
  RunResult commit = sandbox({"commit", "c1", "test/committed:1"});
  ASSERT_EQ(commit.exit_code, 0) << commit.describe();
  std::string id = commit.out.substr(0, commit.out.find('\n'));
  EXPECT_EQ(id.rfind("sha256:", 0), 0u) << commit.describe();
  EXPECT_EQ(image_id("test/committed:1"), id);
  RunResult run = run_image("test/committed:1",
                            {"/bin/sh", "-c",
                             "cat /data/new-file; test -e /data/keep.txt || echo deleted; "
                             "ls /data/replaced; stat -c '%u %h' /data/by-1000 /data/link-a; "
                             "cat /data/layer3.txt"});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.out, "changed\ndeleted\nonly.txt\n1000 1\n0 2\nlayer 3\n") << run.describe();
  nlohmann::json config = config_of(id);
  ASSERT_TRUE(config.is_object());
  EXPECT_EQ(config["rootfs"]["diff_ids"].size(), 5u) << "the 4 layers of test/layered + 1";
  EXPECT_EQ(config["config"]["WorkingDir"], "/data") << "the parent's config is kept";
}

TEST_F(CommitTest, ChangeMessageAndAuthorReachTheConfig) {
  make_changed_container("c2");
  RunResult commit = sandbox({"commit", "-m", "my message", "-a", "Ann <ann@example.com>", "-c",
                              R"(CMD ["/bin/cat", "/data/new-file"])", "-c", "ENV SBX_COMMIT=yes",
                              "--change", "WORKDIR /tmp", "c2", "test/committed:cmd"});
  ASSERT_EQ(commit.exit_code, 0) << commit.describe();
  RunResult run = run_image("test/committed:cmd", {});
  EXPECT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_EQ(run.out, "changed\n") << "-c CMD is the new default command";
  RunResult env = run_image("test/committed:cmd", {"/bin/sh", "-c", "echo $SBX_COMMIT; pwd"});
  EXPECT_EQ(env.out, "yes\n/tmp\n") << env.describe();
  nlohmann::json config = config_of(image_id("test/committed:cmd"));
  ASSERT_TRUE(config.is_object());
  EXPECT_EQ(config["author"], "Ann <ann@example.com>");
  EXPECT_EQ(config["history"].back()["comment"], "my message");
}

TEST_F(CommitTest, WithoutANameGivesADanglingImageRunnableById) {
  make_changed_container("c3");
  RunResult commit = sandbox({"commit", "c3"});
  ASSERT_EQ(commit.exit_code, 0) << commit.describe();
  std::string id = commit.out.substr(0, commit.out.find('\n'));
  RunResult run = run_image(id, {"/bin/cat", "/data/new-file"});
  EXPECT_EQ(run.out, "changed\n") << run.describe();
}

TEST_F(CommitTest, CommitOfACommittedImageStacks) {
  make_changed_container("c4");
  ASSERT_EQ(sandbox({"commit", "c4", "test/stack:1"}).exit_code, 0);
  RunResult second = sandbox({"run", "--name", "c5", "--network", "none", "test/stack:1", "/bin/sh",
                              "-c", "rm /data/new-file && echo two > /data/second"});
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  ASSERT_EQ(sandbox({"commit", "c5", "test/stack:2"}).exit_code, 0);
  RunResult run = run_image("test/stack:2", {"/bin/sh", "-c",
                                             "cat /data/second; test -e /data/new-file || echo "
                                             "gone; cat /data/replaced/only.txt"});
  EXPECT_EQ(run.out, "two\ngone\nonly\n") << run.describe();
}

TEST_F(CommitTest, RunningContainerIsCommittedAndKeepsRunning) {
  RunResult start = sandbox({"run", "-d", "--name", "r1", "--network", "none", layered(), "/bin/sh",
                             "-c", "echo live > /data/live && exec sleep 600"});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  bool written = false;
  for (int i = 0; i < 100 && !written; ++i) {
    RunResult exported = sandbox({"export", "r1"});
    written = exported.out.find("data/live") != std::string::npos;
    if (!written) ::usleep(100 * 1000);
  }
  ASSERT_TRUE(written) << "the container never wrote /data/live";
  RunResult commit = sandbox({"commit", "r1", "test/live:1"});
  EXPECT_EQ(commit.exit_code, 0) << commit.describe();
  RunResult ps = sandbox({"ps", "-q"});
  EXPECT_NE(ps.out, "") << "the container still runs after commit (unfrozen)\n" << ps.describe();
  RunResult run = run_image("test/live:1", {"/bin/cat", "/data/live"});
  EXPECT_EQ(run.out, "live\n") << run.describe();
  RunResult rm = sandbox({"rm", "-f", "r1"});
  EXPECT_EQ(rm.exit_code, 0) << rm.describe();
}

TEST_F(CommitTest, BadInputIsAnError) {
  RunResult unknown = sandbox({"commit", "no-such-container", "x:1"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
  EXPECT_NE(unknown.err.find("no-such-container"), std::string::npos) << unknown.describe();
  make_changed_container("c6");
  RunResult change = sandbox({"commit", "-c", "RUN echo", "c6", "x:1"});
  EXPECT_EQ(change.exit_code, 125) << change.describe();
  EXPECT_NE(change.err.find("RUN"), std::string::npos) << change.describe();
  RunResult bad_name = sandbox({"commit", "c6", "Bad Name"});
  EXPECT_EQ(bad_name.exit_code, 125) << bad_name.describe();
}

TEST_F(CommitTest, ExportHasTheMergedFilesystemWithoutDeletedFiles) {
  make_changed_container("e1");
  std::string file = (test_dir() / "export.tar").native();
  RunResult r = sandbox({"export", "-o", file, "e1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::set<std::string> members = tar_members(file);
  for (const char* present : {"bin/busybox", "data/new-file", "data/layer3.txt",
                              "data/replaced/only.txt", "data/owner-1000", "data/link-b"})
    EXPECT_TRUE(members.contains(present)) << present;
  for (const char* absent :
       {"data/keep.txt", "data/replaced/new.txt", "data/deleted.txt", "data/.wh.keep.txt"})
    EXPECT_FALSE(members.contains(absent)) << absent;
  for (const std::string& member : members)
    EXPECT_EQ(member.find(".wh."), std::string::npos) << "no whiteout in an export: " << member;
  auto [status, listing] = shell("tar -tvf '" + file + "' data/by-1000 data/owner-1000");
  EXPECT_EQ(status, 0) << listing;
  EXPECT_NE(listing.find("1000/1000"), std::string::npos) << "owners as the container sees them\n"
                                                          << listing;
  // An export is a root filesystem `import` takes back.
  RunResult import = sandbox({"import", file, "test/exported:1"});
  ASSERT_EQ(import.exit_code, 0) << import.describe();
  RunResult run = run_image("test/exported:1", {"/bin/cat", "/data/new-file"});
  EXPECT_EQ(run.out, "changed\n") << run.describe();
}

TEST_F(CommitTest, ExportToStdoutAndOfAnUnknownContainer) {
  make_changed_container("e2");
  RunResult r = sandbox({"export", "e2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(257, 5), "ustar");
  RunResult unknown = sandbox({"export", "-o", (test_dir() / "x.tar").native(), "nope"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
  EXPECT_FALSE(fs::exists(test_dir() / "x.tar"));
}

}  // namespace
}  // namespace sbx::it
