// The host's sandbox binary is never reachable from inside a container
// (CVE-2019-5736 class): a script whose interpreter is /proc/self/exe, run by
// `sandbox exec` or as a container's command, reaches the sealed init memfd,
// and container root cannot reopen any executable of ours for writing. Tried
// against a copy of the binary that the test user owns and may write, as a
// user's own build or ~/bin would be.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class HostBinaryTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    copy_ = test_dir() / "bin" / "sandbox";
    fs::create_directories(copy_.parent_path());
    fs::copy_file(sandbox_bin(), copy_);
    fs::permissions(copy_, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read |
                               fs::perms::group_exec | fs::perms::others_exec);
    original_ = file_bytes(copy_);
  }

  RunResult with_copy(const std::vector<std::string>& args, RunOptions options = {}) {
    options.binary = copy_.native();
    return sandbox(args, std::move(options));
  }

  fs::path copy_;
  std::string original_;
};

// The attack on exec: the host's libraries are offered inside (read-only), so that the host
// binary could start there if it were ever the interpreter; an attacker watches for it.
TEST_F(HostBinaryTest, ExecOfAProcSelfExeScriptReachesOnlyTheSealedInit) {
  std::string name = "hijack-" + unique_token();
  auto run =
      with_copy({"run", "-d", "--name", name, "--network", "none", "-v", "/usr/lib:/usr/lib:ro",
                 "-v", "/usr/lib64:/usr/lib64:ro", payload(), "payload", "sleep", "300"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  auto setup = with_copy({"exec", name, "sh", "-c",
                          "ln -s usr/lib64 /lib64 && ln -s usr/lib /lib && "
                          "printf '#!/proc/self/exe\\n' > /tmp/evil && chmod 755 /tmp/evil"});
  ASSERT_EQ(setup.exit_code, 0) << setup.describe();
  auto watch = with_copy(
      {"exec", "-d", name, "sh", "-c", "payload exe-watch 60 /tmp/judged > /tmp/watch.out 2>&1"});
  ASSERT_EQ(watch.exit_code, 0) << watch.describe();

  RunResult evil;
  bool judged = false;
  for (int attempt = 0; attempt < 50 && !judged; ++attempt) {
    evil = with_copy({"exec", name, "/tmp/evil"});
    for (int poll = 0; poll < 20 && !judged; ++poll) {
      judged = with_copy({"exec", name, "payload", "stat", "/tmp/judged"}).exit_code == 0;
      if (!judged) std::this_thread::sleep_for(50ms);
    }
  }
  // The interpreter was init (its usage line), never sandbox's CLI.
  EXPECT_EQ(evil.exit_code, 125) << evil.describe();
  EXPECT_TRUE(contains(evil.err, "usage: sandbox-init")) << evil.describe();
  ASSERT_TRUE(judged) << "the watcher never caught the script's process";
  RunResult report;
  for (int poll = 0; poll < 100; ++poll) {
    report = with_copy({"exec", name, "payload", "read", "/tmp/watch.out"});
    if (contains(report.out, "exe-watch:")) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(contains(report.out, "caught ")) << report.describe();
  EXPECT_TRUE(contains(report.out, "/memfd:init")) << report.out;
  EXPECT_TRUE(contains(report.out, " 0 escaped")) << report.out;
  EXPECT_FALSE(contains(report.out, "ESCAPED")) << report.out;
  with_copy({"rm", "-f", name});
  EXPECT_TRUE(file_bytes(copy_) == original_) << "the host binary changed";
}

// The same script as a container's command: init runs it, so its interpreter is init again.
TEST_F(HostBinaryTest, RunOfAProcSelfExeScriptReachesOnlyTheSealedInit) {
  fs::path scripts = test_dir() / "scripts";
  fs::create_directories(scripts);
  {
    std::ofstream out(scripts / "evil");
    out << "#!/proc/self/exe\n";
  }
  fs::permissions(scripts / "evil", fs::perms::owner_all | fs::perms::group_read |
                                        fs::perms::group_exec | fs::perms::others_read |
                                        fs::perms::others_exec);
  auto r = with_copy({"run", "--rm", "--network", "none", "-v", scripts.native() + ":/x:ro",
                      payload(), "/x/evil"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "usage: sandbox-init")) << r.describe();
  EXPECT_TRUE(file_bytes(copy_) == original_) << "the host binary changed";
}

}  // namespace
}  // namespace sbx::it
