// The escape suite's paths (the in-container attempts are in
// escape_test.cpp): a working directory through /proc/self/fd/N for run and
// exec (CVE-2024-21626 class: a host fd of sandbox's as the container's cwd)
// and volume targets behind container-controlled symlinks (CVE-2021-30465
// class: a mount landing on a host path). Each must fail, or stay inside.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Enough to pass every fd sandbox holds while it starts a process (today 3 to 10).
constexpr int kFirstFd = 3;
constexpr int kLastFd = 20;

// A working directory is refused (125), or the command runs with a cwd inside
// the root: the kernel's getcwd names no "(unreachable)" path.
void expect_refused_or_inside(const RunResult& r, const std::string& workdir) {
  bool refused = r.exit_code == 125;
  bool inside = r.exit_code == 0 && r.out.starts_with("/") && !contains(r.out, "unreachable");
  EXPECT_TRUE(refused || inside) << "-w " << workdir << "\n" << r.describe();
}

class EscapePaths : public RunTest {
 protected:
  void TearDown() override {
    if (container_) {
      container_->kill(SIGTERM);
      container_->wait();
      container_.reset();
    }
    RunTest::TearDown();
  }

  // `sandbox run --name NAME payload sh -c "SETUP; exec payload sleep 300"`;
  // returns once exec into it works.
  void start(const std::string& setup) {
    container_ = sandbox_background({"run", "--rm", "--name", name_, "--network", "none", payload(),
                                     "sh", "-c", setup + "; exec payload sleep 300"});
    for (auto deadline = std::chrono::steady_clock::now() + 120s;
         std::chrono::steady_clock::now() < deadline && container_->running();) {
      if (sandbox({"exec", name_, "payload", "exit", "0"}).exit_code == 0) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the container did not come up\n" << container_->err_so_far();
  }

  // A host directory the test owns, with one file in it; no container may
  // create anything in it or see its file.
  fs::path make_host_target() {
    fs::path target = test_dir() / "host-target";
    fs::create_directories(target);
    std::ofstream(target / "host-file") << "host";
    return target;
  }

  // A volume source with one file, "marker".
  std::string make_volume() {
    fs::path volume = test_dir() / "volume";
    fs::create_directories(volume);
    std::ofstream(volume / "marker") << "volume";
    return volume.native();
  }

  void expect_host_target_untouched(const fs::path& target) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(target))
      names.push_back(entry.path().filename());
    EXPECT_EQ(names, std::vector<std::string>{"host-file"}) << target;
  }

  std::string name_ = "paths-" + unique_token();
  std::unique_ptr<BackgroundRun> container_;
};

TEST_F(EscapePaths, RunWorkdirThroughProcSelfFd) {
  for (int fd = kFirstFd; fd <= kLastFd; ++fd) {
    std::string workdir = "/proc/self/fd/" + std::to_string(fd);
    auto r = payload_run({"cwd"}, {"--network", "none", "-w", workdir});
    expect_refused_or_inside(r, workdir);
  }
  // Not vacuous: a working directory that exists is entered.
  EXPECT_EQ(payload_run({"cwd"}, {"--network", "none", "-w", "/etc"}).out, "/etc\n");
}

// exec changes directory inside the running container, where its own
// process may have made the path a symlink to /proc/self/fd/N.
TEST_F(EscapePaths, ExecWorkdirThroughProcSelfFd) {
  std::string links = "for n in $(seq " + std::to_string(kFirstFd) + " " + std::to_string(kLastFd) +
                      "); do ln -s /proc/self/fd/$n /fd$n; done";
  ASSERT_NO_FATAL_FAILURE(start(links));
  for (int fd = kFirstFd; fd <= kLastFd; ++fd) {
    for (std::string workdir :
         {"/proc/self/fd/" + std::to_string(fd), "/fd" + std::to_string(fd)}) {
      auto r = sandbox({"exec", "-w", workdir, name_, "payload", "cwd"});
      expect_refused_or_inside(r, workdir);
    }
  }
  for (std::string workdir : {"/proc/self/cwd", "/proc/1/cwd", "/proc/self/root/.."}) {
    expect_refused_or_inside(sandbox({"exec", "-w", workdir, name_, "payload", "cwd"}), workdir);
  }
  EXPECT_EQ(sandbox({"exec", "-w", "/etc", name_, "payload", "cwd"}).out, "/etc\n");
}

// An image whose /escape is a symlink to the path of a host directory
// (absolute, and relative with more ".." than there are levels), used as a -v
// target: the mount lands at that path inside the rootfs, and the host
// directory gets nothing. A link to a path missing inside is refused. The
// image is made by commit, so commit is tried on such links too.
TEST_F(EscapePaths, VolumeTargetBehindAnImageSymlink) {
  fs::path target = make_host_target();
  std::string relative = "../../../../../../../../.." + target.native();
  auto made = sandbox({"run", "--name", name_, "--network", "none", payload(), "sh", "-c",
                       "mkdir -p " + target.native() + " && ln -s " + target.native() +
                           " /escape && ln -s " + relative + " /up && ln -s " + target.native() +
                           "-missing /dangling"});
  ASSERT_EQ(made.exit_code, 0) << made.describe();
  std::string image = "test/escape-links:" + unique_token();
  auto commit = sandbox({"commit", name_, image});
  ASSERT_EQ(commit.exit_code, 0) << commit.describe();
  std::string volume = make_volume();
  for (std::string link : {"/escape", "/up"}) {
    auto r =
        run({"--network", "none", "-v", volume + ":" + link + "/sub"}, image,
            {"payload", "stat", target.native() + "/sub/marker", target.native() + "/host-file"});
    // The volume is inside, at the path the link names there; the host's file is not.
    EXPECT_TRUE(contains(r.out, target.native() + "/sub/marker type=file")) << r.describe();
    EXPECT_TRUE(contains(r.out, target.native() + "/host-file error=ENOENT")) << r.describe();
    expect_host_target_untouched(target);
  }
  auto dangling = run({"--network", "none", "-v", volume + ":/dangling/sub"}, image, {"true"});
  EXPECT_EQ(dangling.exit_code, 125) << dangling.describe();
  EXPECT_TRUE(contains(dangling.err, "/dangling/sub")) << dangling.describe();
  EXPECT_FALSE(fs::exists(target.native() + "-missing"));
  EXPECT_EQ(sandbox({"rm", "-f", name_}).exit_code, 0);
  expect_host_target_untouched(target);
}

// The container itself turns its volume's parent into a symlink to the path
// of a host directory, then is started again: the volume is mounted inside
// once more, where that path leads in the container.
TEST_F(EscapePaths, VolumeTargetTurnedIntoASymlinkBeforeAStart) {
  fs::path target = make_host_target();
  std::string t = target.native();
  std::string script = "if [ -L /vt ]; then payload stat " + t + "/data/marker " + t +
                       "/host-file; exit 0; fi; mkdir -p " + t + " && mv /vt /vt.old && ln -s " +
                       t + " /vt && echo swapped";
  auto first = sandbox({"run", "--name", name_, "--network", "none", "-v",
                        make_volume() + ":/vt/data", payload(), "sh", "-c", script});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  ASSERT_EQ(first.out, "swapped\n") << first.describe();
  ASSERT_EQ(sandbox({"start", name_}).exit_code, 0);
  auto waited = sandbox({"wait", name_});
  EXPECT_EQ(waited.out, "0\n") << waited.describe();
  auto logs = sandbox({"logs", name_});
  EXPECT_TRUE(contains(logs.out, t + "/data/marker type=file")) << logs.describe();
  EXPECT_TRUE(contains(logs.out, t + "/host-file error=ENOENT")) << logs.describe();
  expect_host_target_untouched(target);
  EXPECT_EQ(sandbox({"rm", "-f", name_}).exit_code, 0);
  expect_host_target_untouched(target);
}

}  // namespace
}  // namespace sbx::it
