// Named and anonymous volumes: `volume create/ls/inspect/rm/prune`, `-v NAME:/path` made on
// first use and filled from the image, `-v /path` removed by `rm -v` and `run --rm`,
// `--mount type=volume`, and volume files owned through the container's id map.
#include <nlohmann/json.hpp>

#include <fstream>

#include "pull_fixture.hpp"
#include "run_fixture.hpp"

namespace sbx::it {
namespace {

class VolumeTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/busybox:latest");
  }
  static std::string busybox() { return rig().image("test/busybox:latest"); }

  // sandbox run [flags] busybox sh -c SCRIPT (no network).
  RunResult sh(const std::vector<std::string>& flags, const std::string& script) {
    std::vector<std::string> all{"run", "--network", "none"};
    all.insert(all.end(), flags.begin(), flags.end());
    all.insert(all.end(), {busybox(), "sh", "-c", script});
    return sandbox(all);
  }
  std::vector<std::string> names(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"volume", "ls", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = sandbox(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  nlohmann::json inspect(const std::string& name) {
    RunResult r = sandbox({"volume", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json();
  }
};

using Names = std::vector<std::string>;

TEST_F(VolumeTest, CreateListInspectRemove) {
  RunResult c = sandbox({"volume", "create", "--label", "team=web", "data1"});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  EXPECT_EQ(c.out, "data1\n");
  ASSERT_EQ(sandbox({"volume", "create", "other"}).exit_code, 0);
  EXPECT_EQ(names(), (Names{"data1", "other"}));
  EXPECT_EQ(names({"--filter", "label=team=web"}), Names{"data1"});
  EXPECT_EQ(names({"--filter", "name=oth"}), Names{"other"});
  auto j = inspect("data1");
  EXPECT_EQ(j["Name"], "data1");
  EXPECT_EQ(j["Driver"], "local");
  EXPECT_EQ(j["Labels"]["team"], "web");
  EXPECT_TRUE(std::filesystem::is_directory(j["Mountpoint"].get<std::string>()));
  RunResult table = sandbox({"volume", "ls"});
  EXPECT_NE(table.out.find("DRIVER"), std::string::npos) << table.describe();
  RunResult listed = sandbox({"volume", "ls", "--format", "json"});
  EXPECT_TRUE(nlohmann::json::parse(listed.out, nullptr, false).is_array()) << listed.describe();
  RunResult again = sandbox({"volume", "create", "data1"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.describe();
  ASSERT_EQ(sandbox({"volume", "rm", "data1"}).exit_code, 0);
  EXPECT_EQ(names(), Names{"other"});
}

TEST_F(VolumeTest, BadNamesAndUnknownVolumesAreClearErrors) {
  RunResult bad = sandbox({"volume", "create", "bad/name"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(bad.err.find("invalid volume name"), std::string::npos) << bad.describe();
  RunResult missing = sandbox({"volume", "rm", "nosuch"});
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("no such volume"), std::string::npos) << missing.describe();
  EXPECT_EQ(sandbox({"volume", "rm", "-f", "nosuch"}).exit_code, 0);
  RunResult filter = sandbox({"volume", "ls", "--filter", "color=red"});
  EXPECT_EQ(filter.exit_code, 125);
  EXPECT_NE(filter.err.find("invalid filter"), std::string::npos) << filter.describe();
  RunResult relative = sh({"-v", "./dir:/data"}, "true");
  EXPECT_EQ(relative.exit_code, 125);
  EXPECT_NE(relative.err.find("neither an absolute host path nor a volume name"), std::string::npos)
      << relative.describe();
  RunResult upper = sh({"--rm", "-v", "/tmp:/o:O,upperdir=/tmp"}, "true");
  EXPECT_EQ(upper.exit_code, 125);
  EXPECT_NE(upper.err.find("unknown option 'upperdir=/tmp'"), std::string::npos)
      << upper.describe();
  std::filesystem::path comma = test_dir() / "a,b";
  std::filesystem::create_directories(comma);
  RunResult overlay = sh({"--rm", "-v", comma.string() + ":/o:O"}, "true");
  EXPECT_EQ(overlay.exit_code, 125);
  EXPECT_NE(overlay.err.find("overlay cannot take a path with ',' or ':'"), std::string::npos)
      << overlay.describe();
  EXPECT_TRUE(names().empty());
}

TEST_F(VolumeTest, NamedVolumeIsMadeOnFirstUseAndKeepsData) {
  std::string name = "v" + unique_token();
  RunResult w =
      sh({"--rm", "-v", name + ":/data"}, "echo kept > /data/f && chown 1000:1000 /data/f");
  ASSERT_EQ(w.exit_code, 0) << w.describe();
  EXPECT_EQ(names(), Names{name});
  RunResult r = sh({"--rm", "-v", name + ":/mnt:ro"},
                   "cat /mnt/f; stat -c %u:%g /mnt/f; "
                   "touch /mnt/g 2>/dev/null || echo ro");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "kept\n1000:1000\nro\n");
  // On the host, container root is the user; container uid 1000 a subordinate id.
  std::string mountpoint = inspect(name)["Mountpoint"];
  struct stat st;
  ASSERT_EQ(::stat((mountpoint + "/f").c_str(), &st), 0);
  EXPECT_NE(st.st_uid, ::getuid());
  EXPECT_NE(st.st_uid, 1000u);
  ASSERT_EQ(::stat(mountpoint.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
}

uid_t owner_of(const std::filesystem::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

std::string text_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// :U gives the source to the container's user: its subordinate id on the host.
// A symlink in the source is changed itself, never what it points to.
TEST_F(VolumeTest, ChownOptionGivesTheSourceToTheContainerUser) {
  long base = subuid_start();
  ASSERT_GT(base, 0);
  auto src = test_dir() / "chown-src";
  std::filesystem::create_directories(src / "sub");
  std::ofstream(src / "sub" / "f") << "x";
  std::ofstream(test_dir() / "outside") << "y";
  std::filesystem::create_symlink(test_dir() / "outside", src / "link");
  RunResult r = sh({"--rm", "-u", "1000", "-v", src.string() + ":/d:U"},
                   "id -u; stat -c %u /d/sub/f; echo hi > /d/sub/new && cat /d/sub/new");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "1000\n1000\nhi\n");
  uid_t mapped = static_cast<uid_t>(base + 999);
  EXPECT_EQ(owner_of(src), mapped);
  EXPECT_EQ(owner_of(src / "sub" / "f"), mapped);
  EXPECT_EQ(owner_of(src / "sub" / "new"), mapped);
  EXPECT_EQ(owner_of(src / "link"), mapped);
  EXPECT_EQ(owner_of(test_dir() / "outside"), ::getuid());
  // Root in the container: back to the invoking user.
  ASSERT_EQ(sh({"--rm", "-v", src.string() + ":/d:U"}, "true").exit_code, 0);
  EXPECT_EQ(owner_of(src / "sub" / "f"), ::getuid());

  std::string name = "own" + unique_token();
  RunResult named =
      sh({"--rm", "-u", "1000", "-v", name + ":/v:U"}, "touch /v/mine && stat -c %u /v /v/mine");
  ASSERT_EQ(named.exit_code, 0) << named.describe();
  EXPECT_EQ(named.out, "1000\n1000\n");
  EXPECT_EQ(owner_of(inspect(name)["Mountpoint"].get<std::string>()), mapped);
}

// :O: the container's writes and deletions land in an upper dir of its own,
// seen again at its next start and gone with it; the source never changes.
TEST_F(VolumeTest, OverlayOptionLeavesTheSourceUnchanged) {
  auto src = test_dir() / "overlay-src";
  std::filesystem::create_directories(src);
  std::ofstream(src / "orig") << "a\n";
  std::ofstream(src / "gone") << "g\n";
  std::string script =
      "test -e /o/new && echo again; cat /o/orig; echo b > /o/orig && echo n > /o/new && "
      "rm -f /o/gone && ls /o";
  RunResult first = sh({"--name", "ov", "-v", src.string() + ":/o:O"}, script);
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(first.out, "a\nnew\norig\n");
  EXPECT_EQ(text_of(src / "orig"), "a\n");
  EXPECT_TRUE(std::filesystem::exists(src / "gone"));
  EXPECT_FALSE(std::filesystem::exists(src / "new"));
  RunResult again = sandbox({"start", "-a", "ov"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(again.out, "again\nb\nnew\norig\n");
  RunResult id = sandbox({"inspect", "-f", "{{.Id}}", "ov"});
  ASSERT_EQ(id.exit_code, 0) << id.describe();
  auto overlays = root() / "containers" / id.out.substr(0, 64) / "volume-overlays";
  EXPECT_TRUE(std::filesystem::is_directory(overlays)) << overlays;
  ASSERT_EQ(sandbox({"rm", "ov"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(overlays));
  RunResult fresh = sh({"--rm", "-v", src.string() + ":/o:O"}, "ls /o");
  EXPECT_EQ(fresh.out, "gone\norig\n") << fresh.describe();
  EXPECT_EQ(text_of(src / "orig"), "a\n");
}

TEST_F(VolumeTest, NewVolumeIsFilledFromTheImageOnce) {
  std::string name = "etc" + unique_token();
  RunResult r = sh({"--rm", "-v", name + ":/etc"}, "cat /etc/passwd | head -1; rm /etc/group");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.rfind("root:", 0), 0u) << r.describe();
  // Not filled again: the deletion stays.
  RunResult again =
      sh({"--rm", "-v", name + ":/etc"}, "test -e /etc/group && echo back || echo gone");
  EXPECT_EQ(again.out, "gone\n") << again.describe();
  RunResult nocopy = sh({"--rm", "-v", "n" + name + ":/etc:nocopy"}, "ls /etc | wc -l");
  EXPECT_EQ(nocopy.out.find_first_not_of(" \n0"), std::string::npos) << nocopy.describe();
}

TEST_F(VolumeTest, VolumeInUseIsNotRemovedAndPruneKeepsIt) {
  std::string used = "used" + unique_token();
  ASSERT_EQ(sandbox({"volume", "create", "loose"}).exit_code, 0);
  std::string ctr = "c" + unique_token();
  ASSERT_EQ(sh({"--name", ctr, "-v", used + ":/data"}, "true").exit_code, 0);
  RunResult rm = sandbox({"volume", "rm", used});
  EXPECT_EQ(rm.exit_code, 125);
  EXPECT_NE(rm.err.find("in use"), std::string::npos) << rm.describe();
  RunResult rmf = sandbox({"volume", "rm", "-f", used});
  EXPECT_EQ(rmf.exit_code, 125) << rmf.describe();
  EXPECT_EQ(names({"--filter", "dangling=true"}), Names{"loose"});
  EXPECT_EQ(names({"--filter", "dangling=false"}), Names{used});
  RunResult prune = sandbox({"volume", "prune", "-f"});
  ASSERT_EQ(prune.exit_code, 0) << prune.describe();
  EXPECT_NE(prune.out.find("loose"), std::string::npos);
  EXPECT_EQ(names(), Names{used});
  ASSERT_EQ(sandbox({"rm", ctr}).exit_code, 0);
  EXPECT_EQ(sandbox({"volume", "rm", used}).exit_code, 0);
  EXPECT_TRUE(names().empty());
}

TEST_F(VolumeTest, AnonymousVolumesGoWithRmVAndRunRm) {
  std::string ctr = "c" + unique_token();
  ASSERT_EQ(sh({"--name", ctr, "-v", "/scratch"}, "echo x > /scratch/x").exit_code, 0);
  auto list = names();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].size(), 64u);
  EXPECT_TRUE(inspect(list[0])["Anonymous"].get<bool>());
  ASSERT_EQ(sandbox({"rm", "-v", ctr}).exit_code, 0);
  EXPECT_TRUE(names().empty());
  // run --rm removes its anonymous volumes, not the named ones.
  ASSERT_EQ(sh({"--rm", "-v", "/a", "-v", "keep:/b"}, "touch /a/x /b/y").exit_code, 0);
  EXPECT_EQ(names(), Names{"keep"});
}

TEST_F(VolumeTest, MountFlagTakesVolumesBindsAndTmpfs) {
  std::string host = (test_dir() / "bind").string();
  std::filesystem::create_directories(host);
  RunResult r = sh({"--rm", "--mount", "type=volume,source=mv,target=/v", "--mount",
                    "type=bind,src=" + host + ",dst=/b,readonly", "--mount",
                    "type=tmpfs,destination=/t,tmpfs-size=1m"},
                   "echo in > /v/f && cat /v/f && (touch /b/x 2>/dev/null || echo ro) && "
                   "grep ' /t ' /proc/mounts | cut -d' ' -f3");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "in\nro\ntmpfs\n");
  EXPECT_EQ(names(), Names{"mv"});
  RunResult bad = sh({"--rm", "--mount", "type=volume,target=/v,tmpfs-size=1m"}, "true");
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(bad.err.find("tmpfs options on a volume mount"), std::string::npos) << bad.describe();
}

}  // namespace
}  // namespace sbx::it
