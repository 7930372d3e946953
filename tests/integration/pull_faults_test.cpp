// Pulls that must fail safely or recover: hostile layers stay inside the store, and
// server faults, kills and concurrent pulls leave a consistent store.
#include "pull_fixture.hpp"

namespace sbx::it {
namespace {

// --- hostile layers ------------------------------------------------------------------------

enum class Outcome { kError, kSuccess, kEither };
struct Hostile {
  const char* image;
  Outcome outcome;
  const char* named;  // the error names this entry (kError only; may be null)
};

std::ostream& operator<<(std::ostream& os, const Hostile& h) { return os << h.image; }

class HostilePullTest : public PullTest, public ::testing::WithParamInterface<Hostile> {};

TEST_P(HostilePullTest, StaysInsideTheStore) {
  const Hostile& h = GetParam();
  std::string name = std::string("test/") + h.image;
  SBX_REQUIRES_IMAGE(name + ":latest");
  // A canary: everything beside the store root (the test dir, HOME) must stay as it was.
  fs::create_directories(test_dir() / "canary/sub");
  std::ofstream(test_dir() / "canary/sub/file") << "canary";
  // (HOME may gain sandbox's own config files; it is searched for sbx-evil-* below.)
  const std::vector<fs::path> skip{root(), test_dir() / "tmp", home()};
  auto before = snapshot(test_dir(), skip);
  struct stat passwd_before, passwd_after;
  ASSERT_EQ(::stat("/etc/passwd", &passwd_before), 0);

  RunResult r = sandbox({"pull", rig().image(name + ":latest")});
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 125) << r.describe();
  if (h.outcome == Outcome::kError) {
    EXPECT_EQ(r.exit_code, 125) << r.describe();
  }
  if (h.outcome == Outcome::kSuccess) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  if (r.exit_code == 125) {
    if (h.named) {
      EXPECT_NE(r.err.find(h.named), std::string::npos) << r.describe();
    }
    expect_not_listed(rig().registry + "/" + name);
  }

  EXPECT_EQ(snapshot(test_dir(), skip), before) << "files changed beside the store";
  EXPECT_EQ(read_text(test_dir() / "canary/sub/file"), "canary");
  for (const char* dir : {"/tmp", "/var/tmp"}) {
    EXPECT_EQ(evil_files(dir, 0), std::vector<std::string>{});
  }
  EXPECT_EQ(evil_files(home(), 8), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/sbx-absolute"));
  ASSERT_EQ(::stat("/etc/passwd", &passwd_after), 0);
  EXPECT_EQ(passwd_after.st_ino, passwd_before.st_ino);
  EXPECT_EQ(passwd_after.st_nlink, 1u);
  EXPECT_EQ(passwd_after.st_mtime, passwd_before.st_mtime);
}

INSTANTIATE_TEST_SUITE_P(
    Layers, HostilePullTest,
    ::testing::Values(Hostile{"hostile-dotdot", Outcome::kError, "sbx-evil-dotdot"},
                      Hostile{"hostile-dotdot-deep", Outcome::kError, nullptr},
                      Hostile{"hostile-dotdot-nested", Outcome::kError, nullptr},
                      Hostile{"hostile-absolute", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-symlink-root", Outcome::kEither, nullptr},
                      Hostile{"hostile-symlink-dotdot", Outcome::kEither, nullptr},
                      Hostile{"hostile-symlink-layers", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-hardlink-abs", Outcome::kError, "sbx-evil-hardlink-abs"},
                      Hostile{"hostile-hardlink-dotdot", Outcome::kError, nullptr},
                      Hostile{"hostile-hardlink-symlink", Outcome::kEither, nullptr},
                      Hostile{"hostile-device", Outcome::kSuccess, nullptr},
                      Hostile{"hostile-whiteout-dotdot", Outcome::kError, nullptr},
                      Hostile{"hostile-whiteout-escape", Outcome::kError, ".wh.sbx-keep"},
                      Hostile{"hostile-huge", Outcome::kError, nullptr}),
    [](const ::testing::TestParamInfo<Hostile>& param_info) {
      std::string n = param_info.param.image;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

TEST_F(PullTest, HostileDeviceKeepsTheLowerFile) {
  SBX_REQUIRES_IMAGE("test/hostile-device:latest");
  RunResult r = sandbox({"pull", rig().image("test/hostile-device:latest")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(mentions_any(r.err, {"warning", "skip"})) << "warn per skipped device\n"
                                                        << r.describe();
  // The tar's char 0/0 named sbx-lower-file is a device to skip, never a whiteout.
  struct stat st;
  for (const auto& path : find_in_layers(root(), "sbx-lower-file")) {
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << path << " must stay the lower layer's file";
  }
  EXPECT_TRUE(find_in_layers(root(), "sbx-dev-null").empty());
  EXPECT_FALSE(find_in_layers(root(), "sbx-device-ok").empty());
}

// --- faults: retries, resume, kill, concurrency ---------------------------------------------

// "127.0.0.1:5004/fault/<nonce>/<mode>/test/busybox:latest" (tests/rig/fault_proxy.py).
struct FaultRef {
  std::string nonce = unique_token();
  std::string mode;
  std::string image;
  std::string ref() const {
    return rig().fault_proxy + "/fault/" + nonce + "/" + mode + "/" + image;
  }
  nlohmann::json log() const {
    auto parsed = nlohmann::json::parse(
        http_get(rig().fault_proxy, "/_rig/log?nonce=" + nonce).body, nullptr, false);
    return parsed.is_array() ? parsed : nlohmann::json::array();
  }
};

TEST_F(PullTest, RetriesServerErrors) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  for (const char* mode : {"blob-500x2", "manifest-503x2", "blob-429x1"}) {
    remove_store_root(root());  // blobs already stored would not be fetched again
    FaultRef f{.mode = mode, .image = "test/busybox:latest"};
    pull_ok(f.ref());
    int faulted = 0;
    for (const auto& e : f.log()) faulted += e.value("fault", "") != "";
    EXPECT_GE(faulted, 1) << mode << ": the proxy injected nothing\n" << f.log().dump(1);
  }
}

TEST_F(PullTest, ResumesABrokenBlobDownload) {
  SBX_REQUIRES_IMAGE("test/busybox:latest");
  for (const char* mode : {"blob-reset", "blob-trunc", "blob-badlen"}) {
    remove_store_root(root());  // blobs already stored would not be fetched again
    FaultRef f{.mode = mode, .image = "test/busybox:latest"};
    pull_ok(f.ref());
    expect_listed(rig().fault_proxy + "/fault/" + f.nonce + "/" + mode + "/test/busybox", "latest");
    if (std::string(mode) == "blob-badlen")
      continue;  // may be caught as a short read or a mismatch
    bool resumed = false;
    for (const auto& e : f.log()) {
      std::string range = e.value("range", "");
      if (range.rfind("bytes=", 0) == 0 && range != "bytes=0-" && e.value("status", 0) == 206)
        resumed = true;
    }
    EXPECT_TRUE(resumed) << mode << ": no ranged GET resumed the blob\n" << f.log().dump(1);
  }
}

TEST_F(PullTest, KilledPullLeavesNothingListedAndIsCompletedLater) {
  SBX_REQUIRES_IMAGE("test/layered:latest");
  FaultRef f{.mode = "blob-slow", .image = "test/layered:latest"};
  auto run = sandbox_background({"pull", f.ref()});
  // Let it get some way into the (slow) layer downloads, then kill it without warning.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_TRUE(run->running()) << "pull finished before the kill\n" << run->wait().describe();
  run->kill(SIGKILL);
  RunResult killed = run->wait();
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  std::string repository = rig().fault_proxy + "/fault/" + f.nonce + "/blob-slow/test/layered";
  expect_not_listed(repository);

  pull_ok(f.ref());
  expect_listed(repository, "latest");
  expect_layered_store(root());
}

TEST_F(PullTest, ConcurrentPullsOfOneImageDownloadEachBlobOnce) {
  SBX_REQUIRES_IMAGE("test/layered:latest");
  FaultRef f{.mode = "blob-slow", .image = "test/layered:latest"};
  auto first = sandbox_background({"pull", f.ref()});
  auto second = sandbox_background({"pull", f.ref()});
  RunResult a = first->wait();
  RunResult b = second->wait();
  EXPECT_EQ(a.exit_code, 0) << a.describe();
  EXPECT_EQ(b.exit_code, 0) << b.describe();
  std::string out = images();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << "header + one image:\n" << out;
  std::map<std::string, int> gets;
  for (const auto& e : f.log()) {
    std::string path = e.value("path", "");
    if (e.value("method", "") == "GET" && path.find("/blobs/") != std::string::npos &&
        e.value("status", 0) == 200)
      ++gets[path];
  }
  EXPECT_FALSE(gets.empty());
  for (const auto& [path, count] : gets) {
    EXPECT_EQ(count, 1) << path << " downloaded twice";
  }
  expect_layered_store(root());
}

}  // namespace
}  // namespace sbx::it
