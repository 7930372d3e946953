// Commands at the same time on one store: two pulls of one image keep one copy of each layer,
// twenty `run --rm` at once all succeed, and an rmi during a run of the same image either
// refuses or leaves the running container working. The store is sound afterwards.
#include <chrono>
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

// The run holds the store from the image's lookup to its container's record:
// an rmi in between finds the image in use (refused), or runs before the
// lookup (then the run pulls again) or after the start (refused too). Never
// may the running container lose its files.
TEST_F(ConcurrencyTest, RmiDuringARunRefusesOrLeavesItWorking) {
  ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
  int refused = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    auto run = sandbox_background({"run", "--rm", "--network", "none", payload(), "sh", "-c",
                                   "sleep 1; payload read /etc/passwd | head -n 1"});
    std::this_thread::sleep_for(std::chrono::milliseconds(30 * attempt));
    auto rmi = sandbox({"rmi", payload()});
    EXPECT_TRUE(rmi.exit_code == 0 || contains(rmi.err, "is used by container")) << rmi.describe();
    refused += rmi.exit_code != 0;
    auto r = run->wait();
    EXPECT_EQ(r.exit_code, 0) << "attempt " << attempt << ": " << r.describe();
    EXPECT_EQ(r.out, "root:x:0:0:root:/root:/bin/sh\n") << r.describe();
    if (rmi.exit_code == 0) {
      ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
    }
  }
  EXPECT_GT(refused, 0) << "no rmi met a running container: the test proved nothing";
  expect_sound_store();
}

}  // namespace
}  // namespace sbx::it
