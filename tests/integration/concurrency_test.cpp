// Commands at the same time on one store: two pulls of one image keep one copy of each layer,
// twenty `run --rm` at once all succeed, an rmi during a run of the same image either
// refuses or leaves the running container working, and an rmi and a run emptying the trash at
// once both succeed. The store is sound afterwards.
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

size_t entries(const fs::path& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++n;
  return n;
}

class ConcurrencyTest : public RunTest {
 protected:
  void expect_sound_store() {
    auto check = sandbox({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.describe();
    EXPECT_TRUE(contains(check.out, "The store is sound.")) << check.out;
    EXPECT_FALSE(contains(check.out, "warn  layers/")) << check.out;
    EXPECT_FALSE(contains(check.out, "warn  tmp/")) << check.out;
  }
};

TEST_F(ConcurrencyTest, TwoPullsOfOneImageKeepOneCopyOfEachLayer) {
  SBX_REQUIRES_IMAGE("test/bulk:latest");
  std::string image = rig().image("test/bulk:latest");
  auto first = sandbox_background({"pull", "-q", image});
  auto second = sandbox_background({"pull", "-q", image});
  auto a = first->wait();
  auto b = second->wait();
  EXPECT_EQ(a.exit_code, 0) << a.describe();
  EXPECT_EQ(b.exit_code, 0) << b.describe();
  EXPECT_EQ(a.out, b.out);  // the same image id
  EXPECT_EQ(entries(root() / "layers"), 5u);
  EXPECT_EQ(sandbox({"images", "-q"}).out, a.out.substr(7, 12) + "\n");
  expect_sound_store();
}

TEST_F(ConcurrencyTest, TwentyRunsAtOnceAllSucceed) {
  ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
  std::vector<std::unique_ptr<BackgroundRun>> runs;
  for (int i = 0; i < 20; ++i)
    runs.push_back(sandbox_background({"run", "--rm", "--network", "none", payload(), "payload",
                                       "write", "/tmp/mine", std::to_string(i)}));
  int succeeded = 0;
  for (auto& run : runs) {
    auto r = run->wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    succeeded += r.exit_code == 0;
  }
  EXPECT_EQ(succeeded, 20);
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
  expect_sound_store();
}

// An rmi during a run meets it before its image lookup (the run then pulls
// again), between the lookup and its container's record (the image goes, its
// layers stay for the run: the run holds the gc lock) or after the record
// (refused). Never may the running container lose its files. The first
// attempts race at different moments; the last waits until the container is
// listed, so one rmi surely meets it.
TEST_F(ConcurrencyTest, RmiDuringARunRefusesOrLeavesItWorking) {
  ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
  constexpr int kAttempts = 6;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    bool listed_first = attempt == kAttempts - 1;
    std::string command = listed_first ? "sleep 3" : "sleep 1";
    auto run = sandbox_background({"run", "--rm", "--network", "none", payload(), "sh", "-c",
                                   command + "; payload read /etc/passwd | head -n 1"});
    if (listed_first) {
      auto deadline = std::chrono::steady_clock::now() + 60s;
      while (sandbox({"ps", "-q"}).out.empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(30 * attempt));
    }
    auto rmi = sandbox({"rmi", payload()});
    if (listed_first) {
      EXPECT_NE(rmi.exit_code, 0) << "an rmi of a running container's image: " << rmi.describe();
      EXPECT_TRUE(contains(rmi.err, "is used by container")) << rmi.describe();
    } else {
      EXPECT_TRUE(rmi.exit_code == 0 || contains(rmi.err, "is used by container"))
          << "attempt " << attempt << ": " << rmi.describe();
    }
    auto r = run->wait();
    EXPECT_EQ(r.exit_code, 0) << "attempt " << attempt << ": " << r.describe();
    EXPECT_EQ(r.out, "root:x:0:0:root:/root:/bin/sh\n") << r.describe();
    if (rmi.exit_code == 0) {
      ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
    }
  }
  expect_sound_store();
}

// A run empties the trash (what earlier --rm runs left) in the background
// while an rmi's collect empties it too: each meets files the other took
// first, and neither may fail for it. (An rmi that comes after the run's
// record is refused instead, as in the test above.)
TEST_F(ConcurrencyTest, RmiWhileARunEmptiesTheTrashNeitherFailsForIt) {
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
    fs::path left = root() / "tmp/trash/left-by-a-run";
    for (int d = 0; d < 200; ++d) {
      fs::path dir = left / std::to_string(d);
      fs::create_directories(dir);
      for (int f = 0; f < 100; ++f) std::ofstream(dir / std::to_string(f)) << "x";
    }
    auto run = sandbox_background({"run", "--rm", "--network", "none", payload(), "true"});
    auto rmi = sandbox({"rmi", payload()});
    EXPECT_TRUE(rmi.exit_code == 0 || contains(rmi.err, "is used by container"))
        << "round " << round << ": " << rmi.describe();
    auto r = run->wait();
    EXPECT_EQ(r.exit_code, 0) << "round " << round << ": " << r.describe();
    EXPECT_FALSE(fs::exists(left)) << "round " << round;
  }
}

}  // namespace
}  // namespace sbx::it
