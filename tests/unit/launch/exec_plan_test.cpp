// make_exec_plan: the container's saved spec + exec flags -> what the child does.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>

#include "sandbox/launch/exec.hpp"

namespace sbx::launch {
namespace {

constexpr char kExecPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "web:x:1000:1000:web:/home/web:/bin/sh\n";
constexpr char kExecGroup[] =
    "root:x:0:\n"
    "web:x:1000:\n"
    "audio:x:29:web\n";

containers::ContainerSpec container() {
  containers::ContainerSpec spec;
  spec.argv = {"sleep", "100"};
  spec.env = {"PATH=/usr/bin:/bin", "HOSTNAME=abc", "A=container"};
  spec.cwd = "/srv";
  spec.hostname = "abc";
  return spec;
}

ExecInputs exec_inputs() {
  ExecInputs in;
  in.passwd = kExecPasswd;
  in.group = kExecGroup;
  in.host_uid = 1234;
  in.host_gid = 4321;
  in.security.seccomp = security::SeccompProgram{};
  return in;
}

ExecFlags command(std::vector<std::string> args) {
  ExecFlags flags;
  flags.container = "web";
  flags.command = std::move(args);
  return flags;
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::ranges::find(env, entry) != env.end();
}

TEST(ExecPlan, TakesTheContainersEnvCwdAndUserWithRootsHome) {
  auto plan = make_exec_plan(container(), command({"ls", "-l"}), exec_inputs());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->process.args, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(plan->process.cwd, "/srv");
  EXPECT_EQ(plan->process.uid, 0u);
  EXPECT_EQ(plan->process.gid, 0u);
  EXPECT_TRUE(has(plan->process.env, "A=container"));
  EXPECT_TRUE(has(plan->process.env, "HOSTNAME=abc"));
  EXPECT_TRUE(has(plan->process.env, "HOME=/root"));
  EXPECT_FALSE(plan->process.terminal);
  EXPECT_FALSE(plan->process.stdin_open);
}

TEST(ExecPlan, FlagsOverrideEnvWorkdirAndUser) {
  auto flags = command({"id"});
  flags.env = {"A=exec", "B=new"};
  flags.workdir = "/tmp";
  flags.user = "web";
  auto plan = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_TRUE(has(plan->process.env, "A=exec"));
  EXPECT_FALSE(has(plan->process.env, "A=container"));
  EXPECT_TRUE(has(plan->process.env, "B=new"));
  EXPECT_TRUE(has(plan->process.env, "HOME=/home/web"));
  EXPECT_EQ(plan->process.cwd, "/tmp");
  EXPECT_EQ(plan->process.uid, 1000u);
  EXPECT_EQ(plan->process.gid, 1000u);
  EXPECT_EQ(plan->process.additional_gids, (std::vector<uint32_t>{29}));
}

TEST(ExecPlan, UserAndGroupByNameOrId) {
  auto flags = command({"id"});
  flags.user = "1000:audio";
  auto plan = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->process.uid, 1000u);
  EXPECT_EQ(plan->process.gid, 29u);
  flags.user = "nobody";
  auto missing = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("nobody"), std::string::npos);
}

TEST(ExecPlan, ContainersUserIsTheDefaultAndKeepIdMeansTheInvokingUser) {
  auto spec = container();
  spec.user = "web";
  auto plan = make_exec_plan(spec, command({"id"}), exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->process.uid, 1000u);
  spec.user.clear();
  spec.keep_id = true;
  plan = make_exec_plan(spec, command({"id"}), exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->process.uid, 1234u);
  EXPECT_EQ(plan->process.gid, 4321u);
}

TEST(ExecPlan, TtyAddsTermAndDetachDropsTerminalAndStdin) {
  auto flags = command({"sh"});
  flags.tty = flags.interactive = true;
  auto plan = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->process.terminal);
  EXPECT_TRUE(plan->process.stdin_open);
  EXPECT_TRUE(has(plan->process.env, "TERM=xterm"));
  flags.detach = true;
  plan = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->detach);
  EXPECT_FALSE(plan->process.terminal);
  EXPECT_FALSE(plan->process.stdin_open);
}

TEST(ExecPlan, RejectsNoCommandARelativeWorkdirAndABadEnvEntry) {
  EXPECT_FALSE(make_exec_plan(container(), command({}), exec_inputs()));
  EXPECT_FALSE(make_exec_plan(container(), command({""}), exec_inputs()));
  auto flags = command({"ls"});
  flags.workdir = "tmp";
  EXPECT_FALSE(make_exec_plan(container(), flags, exec_inputs()));
  flags = command({"ls"});
  flags.env = {"=x"};
  EXPECT_FALSE(make_exec_plan(container(), flags, exec_inputs()));
}

TEST(ExecPlan, JoinsUserFirstAndSkipsTheHostsNetwork) {
  auto plan = make_exec_plan(container(), command({"ls"}), exec_inputs());
  ASSERT_TRUE(plan);
  int all = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
            CLONE_NEWNET | CLONE_NEWCGROUP;
  EXPECT_EQ(plan->namespaces, all);
  auto spec = container();
  spec.network = containers::NetworkMode::kHost;
  plan = make_exec_plan(spec, command({"ls"}), exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->namespaces, all & ~CLONE_NEWNET);
}

TEST(ExecPlan, KeepsTheContainersSeccompUnlessPrivileged) {
  auto plan = make_exec_plan(container(), command({"ls"}), exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->security.seccomp.has_value());
  auto flags = command({"ls"});
  flags.privileged = true;
  plan = make_exec_plan(container(), flags, exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->security.seccomp.has_value());
}

TEST(ExecPlan, SearchesTheContainersPath) {
  auto plan = make_exec_plan(container(), command({"ls"}), exec_inputs());
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->command_paths, (std::vector<std::string>{"/usr/bin/ls", "/bin/ls"}));
  EXPECT_EQ(command_search_paths("./run.sh", {"PATH=/bin"}),
            (std::vector<std::string>{"./run.sh"}));
  EXPECT_EQ(command_search_paths("x", {"PATH=/a::/b"}),
            (std::vector<std::string>{"/a/x", "./x", "/b/x"}));
  EXPECT_EQ(command_search_paths("x", {}).size(), 6u);  // the default PATH
}

TEST(ExecPlan, ExitCodesForCommandsThatCannotRun) {
  EXPECT_EQ(exit_code_for_exec_errno(ENOENT), 127);
  EXPECT_EQ(exit_code_for_exec_errno(EACCES), 126);
  EXPECT_EQ(exit_code_for_exec_errno(ENOEXEC), 126);
}

}  // namespace
}  // namespace sbx::launch
