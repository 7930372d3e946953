// `sandbox unshare` as the unprivileged test user: root inside, the
// subordinate range in uid_map, ownership as the host sees it, exit codes.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

// The first "start:count" of the invoking user in /etc/subuid or /etc/subgid.
std::pair<long, long> first_range(const char* file) {
  std::ifstream in(file);
  std::string line;
  const std::string name = current_user_name() + ":";
  const std::string uid = std::to_string(::getuid()) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0 && line.rfind(uid, 0) != 0) continue;
    std::istringstream fields(line.substr(line.find(':') + 1));
    long start = -1, count = -1;
    char colon = 0;
    if (fields >> start >> colon >> count) return {start, count};
  }
  return {-1, -1};
}

// The lines of a /proc/PID/uid_map as {inside, outside, count}.
std::vector<std::vector<long>> parse_map(const std::string& text) {
  std::vector<std::vector<long>> rows;
  std::istringstream lines(text);
  long inside, outside, count;
  while (lines >> inside >> outside >> count) rows.push_back({inside, outside, count});
  return rows;
}

class UnshareTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES_SUBIDS();
  }
};

TEST_F(UnshareTest, IdIsRootInside) {
  RunResult r = sandbox({"unshare", "id", "-u"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "0\n");
  RunResult g = sandbox({"unshare", "id", "-g"});
  ASSERT_EQ(g.exit_code, 0) << g.describe();
  EXPECT_EQ(g.out, "0\n");
}

TEST_F(UnshareTest, UidMapShowsTheSubordinateRange) {
  auto [start, count] = first_range("/etc/subuid");
  ASSERT_GT(start, 0);
  RunResult r = sandbox({"unshare", "cat", "/proc/self/uid_map"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto rows = parse_map(r.out);
  ASSERT_GE(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<long>{0, static_cast<long>(::getuid()), 1}));
  EXPECT_EQ(rows[1][0], 1);
  EXPECT_EQ(rows[1][1], start);
  EXPECT_EQ(rows[1][2], std::min(count, 65535L));
}

TEST_F(UnshareTest, GidMapShowsTheSubordinateRange) {
  auto [start, count] = first_range("/etc/subgid");
  ASSERT_GT(start, 0);
  RunResult r = sandbox({"unshare", "cat", "/proc/self/gid_map"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto rows = parse_map(r.out);
  ASSERT_GE(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<long>{0, static_cast<long>(::getgid()), 1}));
  EXPECT_EQ(rows[1][1], start);
}

TEST_F(UnshareTest, FileChownedInsideShowsTheSubordinateIdOutside) {
  auto [uid_start, uid_count] = first_range("/etc/subuid");
  auto [gid_start, gid_count] = first_range("/etc/subgid");
  ASSERT_GE(uid_count, 1000);
  ASSERT_GE(gid_count, 1000);
  fs::path file = test_dir() / "owned";
  std::ofstream(file) << "x";
  RunResult r = sandbox({"unshare", "chown", "1000:1000", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(static_cast<long>(st.st_uid), uid_start + 999);  // 100999 for 100000:65536
  EXPECT_EQ(static_cast<long>(st.st_gid), gid_start + 999);
  // And inside it is 1000 again.
  RunResult inside = sandbox({"unshare", "stat", "-c", "%u:%g", file.string()});
  ASSERT_EQ(inside.exit_code, 0) << inside.describe();
  EXPECT_EQ(inside.out, "1000:1000\n");
}

TEST_F(UnshareTest, OwnFilesAreRootInside) {
  fs::path file = test_dir() / "mine";
  std::ofstream(file) << "x";
  RunResult r = sandbox({"unshare", "stat", "-c", "%u", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(UnshareTest, ExitStatusPassesThrough) {
  RunResult r = sandbox({"unshare", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.describe();
  RunResult killed = sandbox({"unshare", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(killed.exit_code, 128 + 15) << killed.describe();
}

TEST_F(UnshareTest, MissingCommandIs127AndNotExecutableIs126) {
  RunResult missing = sandbox({"unshare", "no-such-command-sbx"});
  EXPECT_EQ(missing.exit_code, 127) << missing.describe();
  EXPECT_NE(missing.err.find("no-such-command-sbx"), std::string::npos) << missing.describe();
  fs::path file = test_dir() / "not-executable";
  std::ofstream(file) << "#!/bin/sh\n";
  RunResult denied = sandbox({"unshare", file.string()});
  EXPECT_EQ(denied.exit_code, 126) << denied.describe();
}

TEST_F(UnshareTest, DefaultCommandIsTheShell) {
  RunOptions options;
  options.env = {"SHELL=/bin/sh"};
  options.stdin_data = "id -u\nexit 3\n";
  RunResult r = sandbox({"unshare"}, options);
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(UnshareTest, OptionsAfterTheCommandBelongToIt) {
  RunResult r = sandbox({"unshare", "sh", "-c", "echo $0 $1", "--userns", "x"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "--userns x\n");
}

TEST_F(UnshareTest, KeepIdMapsTheUserToItself) {
  auto [start, count] = first_range("/etc/subuid");
  RunResult r = sandbox({"unshare", "--userns=keep-id", "cat", "/proc/self/uid_map"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  long uid = ::getuid();
  bool self = false;
  for (const auto& row : parse_map(r.out)) {
    if (row == std::vector<long>{uid, uid, 1}) self = true;
    if (row[0] == 0) {
      EXPECT_EQ(row[1], start) << r.out;  // root is a subordinate id
    }
  }
  EXPECT_TRUE(self) << r.out;
}

TEST_F(UnshareTest, NoHostSupplementaryGroupsInside) {
  RunResult r = sandbox({"unshare", "id", "-G"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(UnshareTest, MissingNewuidmapIsAnErrorNamingUidmap) {
  fs::path empty = test_dir() / "empty-path";
  fs::create_directories(empty);
  RunOptions options;
  options.env = {"PATH=" + empty.string()};
  RunResult r = sandbox({"unshare", "/usr/bin/id", "-u"}, options);
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("newgidmap not found"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("uidmap"), std::string::npos) << r.describe();
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace sbx::it
