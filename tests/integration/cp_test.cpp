// `sandbox cp` and `sandbox diff` as the unprivileged user: both directions,
// directories with docker's placement rules, tar archives on stdin/stdout,
// stopped and running containers, owners with and without -a, and hostile
// symlinks in the container that point at host paths (absolute, relative, a
// linked parent, a link as the final name): nothing outside the destination
// may change on the host.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Every name under `dir` with its type, size, mode and bytes: compared before
// and after, it shows any change anywhere below (no clock involved).
std::map<std::string, std::string> tree_state(const fs::path& dir) {
  std::map<std::string, std::string> state;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    std::string what = std::to_string(st.st_mode) + " " + std::to_string(st.st_size);
    if (S_ISREG(st.st_mode)) what += " " + slurp(it->path());
    if (S_ISLNK(st.st_mode)) what += " -> " + fs::read_symlink(it->path()).native();
    state[it->path().lexically_relative(dir).native()] = what;
  }
  return state;
}

// uid and gid of a tar's first file entry (ustar header, octal fields; pax
// extended headers skipped).
std::pair<long, long> first_owner(const std::string& tar) {
  size_t at = 0;
  while (at + 512 <= tar.size()) {
    char type = tar[at + 156];
    if (type != 'x' && type != 'g')
      return {std::stol(tar.substr(at + 108, 8), nullptr, 8),
              std::stol(tar.substr(at + 116, 8), nullptr, 8)};
    size_t size = std::stoul(tar.substr(at + 124, 12), nullptr, 8);
    at += 512 + (size + 511) / 512 * 512;
  }
  return {-1, -1};
}

class CpTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/busybox:latest");
    host_ = test_dir() / "host";
    fs::create_directories(host_);
  }
  static std::string busybox() { return rig().image("test/busybox:latest"); }

  // A stopped container `name` whose file system `script` prepared.
  void make_stopped(const std::string& name, const std::string& script) {
    RunResult r =
        sandbox({"run", "--network", "none", "--name", name, busybox(), "sh", "-c", script});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  // A running container `name` (sleeps until removed).
  void make_running(const std::string& name, const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args{"run", "-d", "--network", "none", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {busybox(), "sleep", "100000"});
    RunResult r = sandbox(args);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  RunResult cp(const std::vector<std::string>& args, RunOptions options = {}) {
    std::vector<std::string> all{"cp"};
    all.insert(all.end(), args.begin(), args.end());
    return sandbox(all, std::move(options));
  }
  // A file of a container read back through `cp CONTAINER:PATH -`: the tar.
  std::string tar_of(const std::string& container_path) {
    RunResult r = cp({container_path, "-"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  fs::path host_;
};

TEST_F(CpTest, CopiesOutOfAStoppedContainerByDockersRules) {
  make_stopped("src",
               "mkdir -p /data/sub && echo hello > /data/sub/f && echo top > /data/top"
               " && ln -s sub/f /data/rel");
  ASSERT_EQ(cp({"src:/data/top", (host_ / "top.txt").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "top.txt"), "top\n");
  // A directory onto a missing name is created with that name.
  RunResult r = cp({"src:/data", (host_ / "out").native()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(slurp(host_ / "out/sub/f"), "hello\n");
  EXPECT_EQ(fs::read_symlink(host_ / "out/rel"), "sub/f");
  struct stat st {};
  ASSERT_EQ(::stat((host_ / "out/sub/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());  // files copied out belong to the caller
  // Into an existing directory: under its own name; with "/." its contents.
  fs::create_directories(host_ / "into");
  fs::create_directories(host_ / "contents");
  ASSERT_EQ(cp({"src:/data", (host_ / "into").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "into/data/top"), "top\n");
  ASSERT_EQ(cp({"src:/data/.", (host_ / "contents").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "contents/top"), "top\n");
  // A file into an existing directory keeps its name; a link is copied as a
  // link, and with -L as what it points to.
  ASSERT_EQ(cp({"src:/data/rel", (host_ / "into").native()}).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(host_ / "into/rel"));
  ASSERT_EQ(cp({"-L", "src:/data/rel", (host_ / "followed").native()}).exit_code, 0);
  EXPECT_FALSE(fs::is_symlink(host_ / "followed"));
  EXPECT_EQ(slurp(host_ / "followed"), "hello\n");
  // A directory onto a file, and a file as "FILE/", are errors.
  RunResult onto_file = cp({"src:/data", (host_ / "top.txt").native()});
  EXPECT_EQ(onto_file.exit_code, 125);
  EXPECT_NE(onto_file.err.find("cannot copy a directory to a file"), std::string::npos)
      << onto_file.describe();
  RunResult slash = cp({"src:/data/top/", (host_ / "x").native()});
  EXPECT_EQ(slash.exit_code, 125);
  EXPECT_NE(slash.err.find("not a directory"), std::string::npos) << slash.describe();
}

TEST_F(CpTest, CopiesIntoAStoppedContainerOwnedByItsRootOrKeptWithArchive) {
  make_stopped("dst", "mkdir /target");
  spit(host_ / "file.txt", "from host\n");
  fs::create_directories(host_ / "tree/deep");
  spit(host_ / "tree/deep/leaf", "leaf\n");
  ASSERT_EQ(cp({(host_ / "file.txt").native(), "dst:/target/"}).exit_code, 0);
  ASSERT_EQ(cp({(host_ / "tree").native(), "dst:/target/newtree"}).exit_code, 0);
  RunResult archived = cp({"-a", (host_ / "file.txt").native(), "dst:/target/kept"});
  ASSERT_EQ(archived.exit_code, 0) << archived.describe();
  std::string tar = tar_of("dst:/target/file.txt");
  EXPECT_NE(tar.find("from host"), std::string::npos);
  EXPECT_EQ(first_owner(tar), (std::pair<long, long>{0, 0}));
  EXPECT_EQ(first_owner(tar_of("dst:/target/kept")),
            (std::pair<long, long>{::getuid(), ::getgid()}));
  ASSERT_EQ(cp({"dst:/target/newtree/deep/leaf", (host_ / "back").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "back"), "leaf\n");
}

TEST_F(CpTest, RunningContainerBothWaysAndTarStreams) {
  make_running("live", {"-v", "cpvol:/vol"});
  spit(host_ / "note", "running\n");
  ASSERT_EQ(cp({(host_ / "note").native(), "live:/tmp/note"}).exit_code, 0);
  RunResult cat = sandbox({"exec", "live", "cat", "/tmp/note"});
  EXPECT_EQ(cat.out, "running\n") << cat.describe();
  RunResult owner = sandbox({"exec", "live", "stat", "-c", "%u:%g", "/tmp/note"});
  EXPECT_EQ(owner.out, "0:0\n") << owner.describe();
  // A running container's volumes are seen: the file lands in the volume.
  ASSERT_EQ(cp({(host_ / "note").native(), "live:/vol/"}).exit_code, 0);
  EXPECT_EQ(sandbox({"exec", "live", "cat", "/vol/note"}).out, "running\n");
  auto volume = nlohmann::json::parse(sandbox({"volume", "inspect", "cpvol"}).out, nullptr, false);
  ASSERT_TRUE(volume.is_array() && !volume.empty());
  EXPECT_EQ(slurp(fs::path(volume[0]["Mountpoint"].get<std::string>()) / "note"), "running\n");
  // A tar out of the container goes back in through stdin.
  ASSERT_EQ(
      sandbox({"exec", "live", "sh", "-c", "mkdir -p /pack && echo packed > /pack/p"}).exit_code,
      0);
  std::string tar = tar_of("live:/pack");
  ASSERT_EQ(tar.size() % 512, 0u);
  RunOptions feed;
  feed.stdin_data = tar;
  RunResult in = cp({"-", "live:/tmp"}, feed);
  ASSERT_EQ(in.exit_code, 0) << in.describe();
  EXPECT_EQ(sandbox({"exec", "live", "cat", "/tmp/pack/p"}).out, "packed\n");
  // A tar from stdin wants a directory.
  RunResult not_dir = cp({"-", "live:/tmp/note"}, feed);
  EXPECT_EQ(not_dir.exit_code, 125);
  EXPECT_NE(not_dir.err.find("must be a directory"), std::string::npos) << not_dir.describe();
  ASSERT_EQ(cp({"live:/tmp/pack/p", (host_ / "p").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "p"), "packed\n");
  EXPECT_EQ(sandbox({"rm", "-f", "live"}).exit_code, 0);
  EXPECT_EQ(sandbox({"volume", "rm", "cpvol"}).exit_code, 0);
}

// The container's links name a host directory holding a secret; every copy
// either fails or touches the container only, and the host dir is unchanged.
TEST_F(CpTest, HostileLinksStayInsideTheContainer) {
  fs::path outside = test_dir() / "outside";
  fs::create_directories(outside);
  spit(outside / "secret", "HOST SECRET\n");
  std::string o = outside.native();
  make_stopped("evil", "ln -s " + o +
                           "/secret /abs && mkdir -p /a/b/c && ln -s ../../../../../../.." + o +
                           "/secret /a/b/c/rel && ln -s " + o + " /linkdir && ln -s " + o +
                           "/planted /final && mkdir -p /t/tree && ln -s " + o + " /t/tree/sub");
  auto before = tree_state(outside);
  // Out: -L through absolute and relative links, a linked parent dir.
  EXPECT_NE(cp({"-L", "evil:/abs", (host_ / "o1").native()}).exit_code, 0);
  EXPECT_NE(cp({"-L", "evil:/a/b/c/rel", (host_ / "o2").native()}).exit_code, 0);
  RunResult parent = cp({"evil:/linkdir/secret", (host_ / "o3").native()});
  EXPECT_EQ(parent.exit_code, 125);
  EXPECT_NE(parent.err.find("no such"), std::string::npos) << parent.describe();
  for (const char* name : {"o1", "o2", "o3"}) EXPECT_FALSE(fs::exists(host_ / name)) << name;
  // A directory holding such links comes out with the links as links.
  ASSERT_EQ(cp({"evil:/a", (host_ / "o4").native()}).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(host_ / "o4/b/c/rel"));
  // A directory copied in whose subdirectory is a link in the container.
  fs::create_directories(host_ / "tree/sub");
  spit(host_ / "tree/sub/planted", "PLANTED\n");
  RunResult linked_sub = cp({(host_ / "tree").native(), "evil:/t"});
  EXPECT_EQ(linked_sub.exit_code, 125) << linked_sub.describe();
  EXPECT_NE(linked_sub.err.find("cannot overwrite a non-directory"), std::string::npos)
      << linked_sub.describe();
  // In: through a linked parent, onto links as the final name.
  spit(host_ / "payload", "PLANTED\n");
  std::string payload = (host_ / "payload").native();
  (void)cp({payload, "evil:/linkdir/planted"});
  (void)cp({payload, "evil:/final"});
  (void)cp({payload, "evil:/abs"});
  (void)cp({payload, "evil:/a/b/c/rel"});
  EXPECT_EQ(tree_state(outside), before);
  // With the linked-to dir present in the container, the copy lands there.
  make_stopped("evil2", "mkdir -p " + o + " && ln -s " + o + "/secret /abs");
  ASSERT_EQ(cp({payload, "evil2:/abs"}).exit_code, 0);
  EXPECT_NE(tar_of("evil2:" + o + "/secret").find("PLANTED"), std::string::npos);
  EXPECT_EQ(tree_state(outside), before);
  EXPECT_EQ(slurp(outside / "secret"), "HOST SECRET\n");
}

TEST_F(CpTest, BadArgumentsAreClearErrors) {
  make_stopped("here", "true");
  auto expect_error = [&](const std::vector<std::string>& args, const std::string& text) {
    RunResult r = cp(args);
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_NE(r.err.find(text), std::string::npos) << r.describe();
  };
  expect_error({"here:/no/such/file", (host_ / "x").native()}, "no such file or directory");
  expect_error({"nosuch:/etc/hostname", (host_ / "x").native()}, "no such container");
  expect_error({(host_ / "a").native(), (host_ / "b").native()}, "CONTAINER:PATH");
  expect_error({"here:/etc", "here:/tmp"}, "between containers");
  expect_error({(host_ / "missing").native(), "here:/tmp"}, "No such file");
  expect_error({"here:/etc/passwd", (host_ / "nodir/").native()}, "does not exist");
  // A stopped container's volume is not mounted: said, never copied beneath it.
  RunResult made = sandbox(
      {"run", "--network", "none", "--name", "withvol", "-v", "cpv:/vol", busybox(), "true"});
  ASSERT_EQ(made.exit_code, 0) << made.describe();
  spit(host_ / "f", "f\n");
  expect_error({(host_ / "f").native(), "withvol:/vol/f"}, "not mounted while it is stopped");
  expect_error({"withvol:/vol", (host_ / "v").native()}, "not mounted while it is stopped");
}

TEST_F(CpTest, DiffListsAddedChangedAndDeleted) {
  make_stopped("changed",
               "mkdir /newdir && echo x > /newdir/f && echo y >> /etc/passwd"
               " && rm /etc/group");
  RunResult r = sandbox({"diff", "changed"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const char* line :
       {"A /newdir\n", "A /newdir/f\n", "C /etc\n", "C /etc/passwd\n", "D /etc/group\n"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.describe();
  RunResult json = sandbox({"diff", "--format", "json", "changed"});
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << json.describe();
  EXPECT_EQ(parsed["deleted"], nlohmann::json::array({"/etc/group"}));
  RunResult tmpl = sandbox({"diff", "--format", "{{.Kind}}:{{.Path}}", "changed"});
  EXPECT_NE(tmpl.out.find("D:/etc/group\n"), std::string::npos) << tmpl.describe();
  EXPECT_EQ(sandbox({"diff", "nosuch"}).exit_code, 125);
}

// vfs keeps a full copy of the container's files: cp works on it directly,
// diff says it has no list of changes.
TEST_F(CpTest, StoppedVfsContainerBothWays) {
  RunResult r = sandbox({"--storage-driver", "vfs", "run", "--network", "none", "--name", "flat",
                         busybox(), "sh", "-c", "echo flat > /flat"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  spit(host_ / "in", "into vfs\n");
  ASSERT_EQ(cp({(host_ / "in").native(), "flat:/in"}).exit_code, 0);
  ASSERT_EQ(cp({"flat:/in", (host_ / "back").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "back"), "into vfs\n");
  ASSERT_EQ(cp({"flat:/flat", (host_ / "flat").native()}).exit_code, 0);
  EXPECT_EQ(slurp(host_ / "flat"), "flat\n");
  RunResult diff = sandbox({"diff", "flat"});
  EXPECT_EQ(diff.exit_code, 125);
  EXPECT_NE(diff.err.find("vfs"), std::string::npos) << diff.describe();
}

}  // namespace
}  // namespace sbx::it
