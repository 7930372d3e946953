// How a run ends and what it leaves: a command that cannot be exec'd fails
// `run` and `run -d` alike with docker's 127/126, and a foreground run keeps
// its output for `logs` as a detached one does.
#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using RunOutcomeTest = LifecycleTest;

// The same line whether init (foreground) or sandbox (-d) says it.
constexpr const char* kNotFound = "exec \"/nonexistent\": No such file or directory";

TEST_F(RunOutcomeTest, AMissingCommandFailsWith127InTheForeground) {
  auto r = sandbox({"run", "--network", "none", "--name", "fg", payload(), "/nonexistent"});
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  EXPECT_TRUE(contains(r.err, kNotFound)) << r.describe();
  EXPECT_EQ(status_of("fg"), "exited");
  EXPECT_EQ(inspect("fg")["State"]["ExitCode"], 127);
}

TEST_F(RunOutcomeTest, AMissingCommandFailsWith127WhenDetached) {
  auto r = sandbox({"run", "-d", "--network", "none", "--name", "bg", payload(), "/nonexistent"});
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  EXPECT_TRUE(contains(r.err, kNotFound)) << r.describe();
  EXPECT_EQ(r.out, "") << "no id for a container that never ran its command";
  // Its end is recorded before run -d returns, as a foreground run's is.
  EXPECT_EQ(status_of("bg"), "exited");
  EXPECT_EQ(inspect("bg")["State"]["ExitCode"], 127);
}

TEST_F(RunOutcomeTest, ACommandNotInPathSaysSo) {
  auto r = sandbox({"run", "-d", "--network", "none", payload(), "no-such-command"});
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  EXPECT_TRUE(contains(r.err, "exec \"no-such-command\": executable file not found in $PATH"))
      << r.describe();
}

TEST_F(RunOutcomeTest, ANonExecutableCommandFailsWith126Both) {
  // /etc/passwd is a plain file without x bits, /etc a directory: EACCES.
  for (const std::string& command : {std::string("/etc/passwd"), std::string("/etc")}) {
    auto fg = sandbox({"run", "--rm", "--network", "none", payload(), command});
    EXPECT_EQ(fg.exit_code, 126) << fg.describe();
    auto bg = sandbox({"run", "-d", "--rm", "--network", "none", payload(), command});
    EXPECT_EQ(bg.exit_code, 126) << bg.describe();
    EXPECT_TRUE(contains(bg.err, "exec \"" + command + "\": Permission denied")) << bg.describe();
  }
  // --rm removed them before run -d returned.
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
}

TEST_F(RunOutcomeTest, ADetachedCommandThatRunsStillPrintsItsId) {
  std::string id = run_detached({"--name", "ok"}, {"payload", "exit", "3"});
  sandbox({"wait", "ok"});
  EXPECT_EQ(inspect("ok")["State"]["ExitCode"], 3);
  EXPECT_EQ(inspect("ok")["Id"], id);
}

TEST_F(RunOutcomeTest, AStartOfAMissingCommandFails) {
  sandbox({"run", "--network", "none", "--name", "again", payload(), "/nonexistent"});
  auto r = sandbox({"start", "again"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.err, kNotFound)) << r.describe();
  EXPECT_EQ(status_of("again"), "exited");
}

// A foreground run's output reaches the caller as before and stays for
// `logs` (podman's k8s-file), streams kept apart.
TEST_F(RunOutcomeTest, LogsKeepAForegroundRunsOutput) {
  ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);  // no pull progress on stderr
  auto r = sandbox({"run", "--network", "none", "--name", "fg", payload(), "sh", "-c",
                    "echo out; echo err >&2; printf tail"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "out\ntail");
  EXPECT_EQ(r.err, "err\n");
  auto logs = sandbox({"logs", "fg"});
  ASSERT_EQ(logs.exit_code, 0) << logs.describe();
  EXPECT_EQ(logs.out, "out\ntail");
  EXPECT_EQ(logs.err, "err\n");
  // Started again (detached), it appends to the same log.
  ASSERT_EQ(sandbox({"start", "fg"}).exit_code, 0);
  sandbox({"wait", "fg"});
  EXPECT_EQ(sandbox({"logs", "fg"}).out, "out\ntailout\ntail");
}

TEST_F(RunOutcomeTest, LogsKeepAForegroundTtyRunsOutput) {
  auto r = sandbox(
      {"run", "-t", "--network", "none", "--name", "tty", payload(), "sh", "-c", "echo hi; tty"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "hi")) << r.describe();
  auto logs = sandbox({"logs", "tty"});
  EXPECT_TRUE(contains(logs.out, "hi")) << logs.describe();
  EXPECT_TRUE(contains(logs.out, "/dev/pts/")) << logs.describe();
}

TEST_F(RunOutcomeTest, RmRunsKeepTheCallersOutputAndNoLog) {
  ASSERT_EQ(sandbox({"pull", "-q", payload()}).exit_code, 0);
  auto r =
      sandbox({"run", "--rm", "--network", "none", payload(), "sh", "-c", "echo a; echo b >&2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "a\n");
  EXPECT_EQ(r.err, "b\n");
}

}  // namespace
}  // namespace sbx::it
