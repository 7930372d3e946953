// `sandbox exec` into a running container: what the exec'd process
// sees (processes, files, hostname), its identity and security (equal to the
// container's), stdio modes, exit statuses, signals, and refusals.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class ExecTest : public RunTest {
 protected:
  void TearDown() override {
    if (container_) {
      container_->kill(SIGTERM);
      container_->wait();
      container_.reset();
    }
    RunTest::TearDown();
  }

  // `sandbox run --name NAME [flags] payload sh -c "SETUP; exec payload sleep 300"`
  // in the background; returns once exec into it works.
  void start(const std::vector<std::string>& flags = {}, const std::string& setup = "true") {
    std::vector<std::string> args{"run", "--rm", "--name", name_};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {payload(), "sh", "-c", setup + "; exec payload sleep 300"});
    container_ = sandbox_background(args);
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!container_->running()) break;
      if (exec({"payload", "exit", "0"}).exit_code == 0) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the container did not come up\nstdout:\n"
           << container_->out_so_far() << "\nstderr:\n"
           << container_->err_so_far();
  }

  RunResult exec(const std::vector<std::string>& command,
                 const std::vector<std::string>& flags = {}, RunOptions options = {}) {
    std::vector<std::string> args{"exec"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(name_);
    args.insert(args.end(), command.begin(), command.end());
    return sandbox(args, std::move(options));
  }

  std::string name_ = "web-" + unique_token();
  std::unique_ptr<BackgroundRun> container_;
};

TEST_F(ExecTest, SeesTheContainersProcessesNotTheHosts) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto r = exec({"payload", "pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto pids = lines_of(r.out);
  // The init, the container's sleep and this very probe; nothing of the host's.
  ASSERT_EQ(pids.size(), 3u) << r.out;
  EXPECT_TRUE(pids[0].starts_with("1 ")) << r.out;
  EXPECT_NE(pids[1].find("payload"), std::string::npos) << r.out;
  for (const auto& line : pids) EXPECT_LT(std::stoi(line), 100) << r.out;
}

TEST_F(ExecTest, SeesTheContainersFilesAndHostname) {
  ASSERT_NO_FATAL_FAILURE(start({"--hostname", "exec-host"}, "echo from-container > /tmp/marker"));
  auto read = exec({"payload", "read", "/tmp/marker"});
  ASSERT_EQ(read.exit_code, 0) << read.describe();
  EXPECT_EQ(read.out, "from-container\n");
  ASSERT_EQ(exec({"payload", "write", "/tmp/second", "again"}).exit_code, 0);
  EXPECT_EQ(exec({"payload", "read", "/tmp/second"}).out, "again");
  auto host = exec({"payload", "hostname"});
  ASSERT_EQ(host.exit_code, 0) << host.describe();
  EXPECT_EQ(host.out, "exec-host\n");
}

TEST_F(ExecTest, PassesTheCommandsExitStatus) {
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(exec({"payload", "exit", "7"}).exit_code, 7);
  EXPECT_EQ(exec({"payload", "kill-self", "TERM"}).exit_code, 128 + SIGTERM);
  auto missing = exec({"no-such-command"});
  EXPECT_EQ(missing.exit_code, 127) << missing.describe();
  EXPECT_NE(missing.err.find("no-such-command"), std::string::npos) << missing.describe();
  auto not_executable = exec({"/etc/passwd"});
  EXPECT_EQ(not_executable.exit_code, 126) << not_executable.describe();
}

TEST_F(ExecTest, UserWorkdirAndEnvironment) {
  ASSERT_NO_FATAL_FAILURE(start({"-e", "FROM_RUN=1", "-w", "/etc"}));
  EXPECT_EQ(exec({"payload", "cwd"}).out, "/etc\n");
  EXPECT_EQ(exec({"payload", "cwd"}, {"-w", "/tmp"}).out, "/tmp\n");
  auto id = exec({"payload", "id"}, {"-u", "nobody"});
  ASSERT_EQ(id.exit_code, 0) << id.describe();
  EXPECT_TRUE(id.out.starts_with("uid=65534 ")) << id.out;
  auto numeric = exec({"payload", "id"}, {"-u", "1000:1000"});
  EXPECT_TRUE(numeric.out.starts_with("uid=1000 euid=1000 suid=1000 gid=1000 ")) << numeric.out;
  auto env = exec({"payload", "env"}, {"-e", "FROM_EXEC=2"});
  ASSERT_EQ(env.exit_code, 0) << env.describe();
  EXPECT_NE(env.out.find("FROM_RUN=1\n"), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("FROM_EXEC=2\n"), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("HOME=/root\n"), std::string::npos) << env.out;
  auto unknown = exec({"payload", "id"}, {"-u", "no-such-user"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
}

TEST_F(ExecTest, UsersComeFromTheContainersPasswdAsItIsNow) {
  ASSERT_NO_FATAL_FAILURE(start({}, "echo alice:x:1234:1234::/home/alice:/bin/sh >> /etc/passwd"));
  auto id = exec({"payload", "id"}, {"-u", "alice"});
  ASSERT_EQ(id.exit_code, 0) << id.describe();
  EXPECT_TRUE(id.out.starts_with("uid=1234 euid=1234 suid=1234 gid=1234 ")) << id.out;
  EXPECT_NE(exec({"payload", "env"}, {"-u", "alice"}).out.find("HOME=/home/alice\n"),
            std::string::npos);
}

TEST_F(ExecTest, TtyAndStdin) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto tty = exec({"payload", "tty"}, {"-t"});
  ASSERT_EQ(tty.exit_code, 0) << tty.describe();
  EXPECT_NE(tty.out.find("stdout=tty ttyname=/dev/pts/"), std::string::npos) << tty.out;
  auto notty = exec({"payload", "tty"});
  EXPECT_NE(notty.out.find("stdout=notty"), std::string::npos) << notty.out;
  RunOptions input;
  input.stdin_data = "to the container";
  auto piped = exec({"payload", "read", "/dev/stdin"}, {"-i"}, input);
  ASSERT_EQ(piped.exit_code, 0) << piped.describe();
  EXPECT_EQ(piped.out, "to the container");
  auto closed = exec({"payload", "read", "/dev/stdin"}, {}, input);
  EXPECT_EQ(closed.out, "") << closed.describe();
}

TEST_F(ExecTest, DetachReturnsWhileTheCommandRuns) {
  ASSERT_NO_FATAL_FAILURE(start());
  RunOptions bounded;
  bounded.timeout = 60s;  // without -d this exec would wait for its 600 s sleep
  auto r = exec({"sh", "-c", "echo started > /tmp/detached; exec sleep 600"}, {"-d"}, bounded);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "");
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (exec({"payload", "read", "/tmp/detached"}).exit_code != 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(exec({"payload", "read", "/tmp/detached"}).out, "started\n");
  auto pids = exec({"payload", "pids"});
  EXPECT_NE(pids.out.find("sleep"), std::string::npos) << pids.out;
}

TEST_F(ExecTest, SameCapabilitiesAndSeccompAsTheContainer) {
  const std::string probes = "keyctl mount unshare-user userfaultfd getpid";
  ASSERT_NO_FATAL_FAILURE(start({"--cap-drop", "NET_RAW"}, "payload caps > /tmp/caps; payload " +
                                                               std::string("seccomp-probe ") +
                                                               probes + " > /tmp/probes"));
  auto caps = exec({"payload", "caps"});
  ASSERT_EQ(caps.exit_code, 0) << caps.describe();
  EXPECT_EQ(caps.out, exec({"payload", "read", "/tmp/caps"}).out);
  EXPECT_NE(caps.out.find("Seccomp:\t2"), std::string::npos) << caps.out;
  EXPECT_NE(caps.out.find("NoNewPrivs:\t1"), std::string::npos) << caps.out;
  auto seccomp = exec(
      {"payload", "seccomp-probe", "keyctl", "mount", "unshare-user", "userfaultfd", "getpid"});
  EXPECT_EQ(seccomp.out, exec({"payload", "read", "/tmp/probes"}).out) << seccomp.describe();
  EXPECT_NE(seccomp.out.find("mount: EPERM"), std::string::npos) << seccomp.out;

  auto privileged = exec({"payload", "caps"}, {"--privileged"});
  ASSERT_EQ(privileged.exit_code, 0) << privileged.describe();
  EXPECT_NE(privileged.out.find("Seccomp:\t0"), std::string::npos) << privileged.out;
  EXPECT_NE(privileged.out, caps.out);
}

TEST_F(ExecTest, ForwardsSignalsToTheCommand) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto waiting = sandbox_background({"exec", name_, "payload", "wait-signal", "60"});
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (waiting->out_so_far().find("ready") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ASSERT_NE(waiting->out_so_far().find("ready"), std::string::npos) << waiting->err_so_far();
  ::kill(waiting->pid(), SIGUSR1);  // sandbox exec alone, not its process group
  auto r = waiting->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("got SIGUSR1"), std::string::npos) << r.describe();
}

// Its own session: the session leader is in the container (our session's
// leader is outside its pid namespace, where /proc shows it as 0).
TEST_F(ExecTest, RunsInASessionOfItsOwn) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto r = sandbox({"exec", name_, "sh", "-c", "echo $$; cut -d' ' -f6 /proc/self/stat"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto newline = r.out.find('\n');
  ASSERT_NE(newline, std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(newline + 1), r.out.substr(0, newline + 1)) << "sid is not the shell";
}

TEST_F(ExecTest, NothingOfTheHostLeaksIntoTheExecdProcess) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto r = exec({"payload", "escape-probe", "proc-root", "fd-leak", "exe-write", "chroot"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(exec({"payload", "fds"}).out, "");
}

TEST_F(ExecTest, RefusesUnknownAndStoppedContainers) {
  auto unknown = sandbox({"exec", "no-such-container", "true"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
  EXPECT_NE(unknown.err.find("no such container: no-such-container"), std::string::npos)
      << unknown.describe();
  auto ran = sandbox({"run", "--name", "stopped", payload(), "true"});
  ASSERT_EQ(ran.exit_code, 0) << ran.describe();
  auto stopped = sandbox({"exec", "stopped", "true"});
  EXPECT_EQ(stopped.exit_code, 125) << stopped.describe();
  EXPECT_NE(stopped.err.find("container stopped is not running"), std::string::npos)
      << stopped.describe();
  auto usage = sandbox({"exec", "stopped"});
  EXPECT_EQ(usage.exit_code, 125) << usage.describe();
}

}  // namespace
}  // namespace sbx::it
