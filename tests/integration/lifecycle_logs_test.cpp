// `logs` of detached containers: streams kept apart, --tail, -t, -f.
#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using namespace std::chrono_literals;

TEST_F(LifecycleTest, LogsKeepStdoutAndStderrApart) {
  run_detached({"--name", "cl"}, {"sh", "-c", "echo one; echo two >&2; echo three; printf tail"});
  sandbox({"wait", "cl"});
  auto r = sandbox({"logs", "cl"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "one\nthree\ntail");
  EXPECT_EQ(r.err, "two\n");
}

TEST_F(LifecycleTest, LogsTailAndTimestamps) {
  run_detached({"--name", "cl"}, {"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"});
  sandbox({"wait", "cl"});
  EXPECT_EQ(sandbox({"logs", "--tail", "2", "cl"}).out, "line4\nline5\n");
  EXPECT_EQ(sandbox({"logs", "-n", "0", "cl"}).out, "");
  auto t = sandbox({"logs", "-t", "--tail", "1", "cl"});
  // 2026-01-02T03:04:05.123456789Z line5
  ASSERT_GT(t.out.size(), 31u) << t.out;
  EXPECT_EQ(t.out[4], '-');
  EXPECT_EQ(t.out[10], 'T');
  EXPECT_TRUE(t.out.ends_with("Z line5\n")) << t.out;
  EXPECT_EQ(sandbox({"logs", "--tail", "x", "cl"}).exit_code, 125);
}

TEST_F(LifecycleTest, LogsFollowUntilTheContainerEnds) {
  run_detached({"--name", "cf"},
               {"sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.5; done; echo done >&2"});
  auto follow = sandbox_background({"logs", "-f", "cf"});
  EXPECT_TRUE(eventually([&] { return follow->out_so_far().find("1\n") != std::string::npos; }));
  EXPECT_TRUE(follow->running());  // still following while it runs
  auto r = follow->wait();         // ends by itself once the container ended
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "1\n2\n3\n");
  EXPECT_EQ(r.err, "done\n");
}

TEST_F(LifecycleTest, LogsOfATtyContainer) {
  run_detached({"-t", "--name", "tty"}, {"sh", "-c", "echo hi; tty"});
  sandbox({"wait", "tty"});
  auto r = sandbox({"logs", "tty"});
  EXPECT_TRUE(contains(r.out, "hi")) << r.describe();
  EXPECT_TRUE(contains(r.out, "/dev/pts/")) << r.describe();
}

}  // namespace
}  // namespace sbx::it
