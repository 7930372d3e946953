// Shared by the pull integration tests: the PullTest fixture and what a correct pull of
// the rig images leaves in the store (tests/rig/images/EXPECTATIONS.md).
// Not in an anonymous namespace: gtest needs one fixture type per suite across files.
#pragma once

#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace sbx::it {

namespace fs = std::filesystem;

inline std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// True when `text` (case-insensitively) contains any of `words`.
inline bool mentions_any(const std::string& text, std::initializer_list<const char*> words) {
  std::string l = lower(text);
  return std::any_of(words.begin(), words.end(),
                     [&](const char* w) { return l.find(lower(w)) != std::string::npos; });
}

// `sandbox images` lists REPOSITORY with TAG on one line (docker's table).
inline bool listed(const std::string& images_out, const std::string& repository,
                   const std::string& tag) {
  std::istringstream lines(images_out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string repo_word, tag_word;
    words >> repo_word >> tag_word;
    if (repo_word == repository && tag_word == tag) return true;
  }
  return false;
}

// The first subordinate uid of the invoking user (/etc/subuid), or -1.
inline long subuid_start() {
  std::ifstream in("/etc/subuid");
  std::string line;
  const std::string name = current_user_name() + ":";
  const std::string uid = std::to_string(::getuid()) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) == 0 || line.rfind(uid, 0) == 0)
      return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

// Every <root>/layers/*/diff/<relative> that exists (lstat).
inline std::vector<fs::path> find_in_layers(const fs::path& root, const std::string& relative) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& layer : fs::directory_iterator(root / "layers", ec)) {
    fs::path candidate = layer.path() / "diff" / relative;
    struct stat st;
    if (::lstat(candidate.c_str(), &st) == 0) found.push_back(candidate);
  }
  return found;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every path under `dir` (not following symlinks), skipping `except` subtrees.
inline std::set<std::string> snapshot(const fs::path& dir, const std::vector<fs::path>& except) {
  std::set<std::string> paths;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (std::find(except.begin(), except.end(), it->path()) != except.end()) {
      it.disable_recursion_pending();
      continue;
    }
    paths.insert(it->path().native());
  }
  return paths;
}

// Paths named sbx-evil-* directly in `dir` or below it (depth-limited).
inline std::vector<std::string> evil_files(const fs::path& dir, int max_depth) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().native().rfind("sbx-evil-", 0) == 0)
      found.push_back(it->path().native());
    if (it.depth() >= max_depth) it.disable_recursion_pending();
  }
  return found;
}

class PullTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES(has_subid_ranges(), "subordinate ids for " + current_user_name() +
                                         " in /etc/subuid and /etc/subgid (the test user "
                                         "sbxtest has them: helpers/setup-test-host.sh)");
    // Fail fast (not vacuously pass the error cases) while `pull` does not exist.
    RunResult help = sandbox({"pull", "--help"});
    ASSERT_NE(help.out.find("sandbox pull"), std::string::npos)
        << "`sandbox pull` is not available\n"
        << help.describe();
  }

  // Pulls and asserts success.
  void pull_ok(const std::string& ref, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"pull"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(ref);
    RunResult r = sandbox(args);
    ASSERT_EQ(r.exit_code, 0) << "sandbox pull " << ref << "\n" << r.describe();
  }

  // A failing pull: exit 125, a `sandbox:` error line, and nothing listed afterwards.
  RunResult pull_fails(const std::string& ref, const std::string& repository) {
    RunResult r = sandbox({"pull", ref});
    EXPECT_EQ(r.exit_code, 125) << "sandbox pull " << ref << "\n" << r.describe();
    EXPECT_NE(r.err.find("sandbox: "), std::string::npos) << r.describe();
    EXPECT_FALSE(r.timed_out) << r.describe();
    expect_not_listed(repository);
    return r;
  }

  std::string images() {
    RunResult r = sandbox({"images"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  void expect_listed(const std::string& repository, const std::string& tag) {
    std::string out = images();
    EXPECT_TRUE(listed(out, repository, tag)) << repository << ":" << tag << " not in\n" << out;
  }

  void expect_not_listed(const std::string& repository) {
    RunResult r = sandbox({"images"});
    if (r.exit_code != 0) return;  // no store at all is fine
    EXPECT_EQ(r.out.find(repository + " "), std::string::npos) << r.out;
  }

  // `sandbox inspect REF` as one JSON object (docker prints an array of one).
  nlohmann::json inspect(const std::string& ref) {
    RunResult r = sandbox({"inspect", ref});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto json = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << "inspect output is not JSON:\n" << r.out;
    if (json.is_array() && !json.empty()) return json[0];
    return json.is_object() ? json : nlohmann::json::object();
  }

  std::string image_id(const std::string& ref) { return inspect(ref).value("Id", std::string()); }
};

// Layer contents as unpacked on the host: mapped owners, modes, whiteouts, opaque dirs.
inline void expect_layered_store(const fs::path& root) {
  long base = subuid_start();
  ASSERT_GT(base, 0);
  struct stat st;
  auto owner_1000 = find_in_layers(root, "data/owner-1000");
  ASSERT_FALSE(owner_1000.empty()) << "no layer holds data/owner-1000";
  ASSERT_EQ(::lstat(owner_1000[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(base + 999)) << "container uid 1000 maps to subuid+999";
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(base + 999));
  auto owner_65534 = find_in_layers(root, "data/owner-65534");
  ASSERT_FALSE(owner_65534.empty());
  ASSERT_EQ(::lstat(owner_65534[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(base + 65533));
  auto owner_0 = find_in_layers(root, "data/owner-0");
  ASSERT_FALSE(owner_0.empty());
  ASSERT_EQ(::lstat(owner_0[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid()) << "container root is the user itself";

  auto setuid = find_in_layers(root, "data/setuid");
  ASSERT_FALSE(setuid.empty());
  ASSERT_EQ(::lstat(setuid[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  auto fifo = find_in_layers(root, "data/fifo");
  ASSERT_FALSE(fifo.empty());
  ASSERT_EQ(::lstat(fifo[0].c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  auto link = find_in_layers(root, "data/symlink-rel");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(fs::read_symlink(link[0]).native(), "keep.txt");
  auto hardlink = find_in_layers(root, "data/hardlink-a");
  ASSERT_FALSE(hardlink.empty());
  ASSERT_EQ(::lstat(hardlink[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);

  // Whiteouts as overlay wants them: char device 0/0; no .wh.* file left anywhere.
  auto deleted = find_in_layers(root, "data/deleted.txt");
  ASSERT_FALSE(deleted.empty()) << "layer 3's whiteout of data/deleted.txt is missing";
  bool whiteout = false;
  for (const auto& path : deleted) {
    if (::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0) whiteout = true;
  }
  EXPECT_TRUE(whiteout) << "no char 0/0 whiteout for data/deleted.txt";
  EXPECT_TRUE(find_in_layers(root, "data/.wh.deleted.txt").empty());
  // The opaque dir of layer 4.
  bool opaque = false;
  for (const auto& path : find_in_layers(root, "data/replaced")) {
    char value[8] = {};
    ssize_t n = ::lgetxattr(path.c_str(), "user.overlay.opaque", value, sizeof value);
    if (n == 1 && value[0] == 'y') opaque = true;
  }
  EXPECT_TRUE(opaque) << "no layer marks data/replaced opaque (user.overlay.opaque=y)";
  EXPECT_TRUE(find_in_layers(root, "data/replaced/.wh..wh..opq").empty());
}

}  // namespace sbx::it
