// The child's step tables run against a recording fake of the kernel: the
// ordering rules that keep a container confined, checked without namespaces.
#include <gtest/gtest.h>
#include <linux/mount.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "child/child.hpp"
#include "sandbox/base/sync_message.hpp"

namespace sbx::launch::detail {
namespace {

// Records each call as "name arg"; succeeds unless told to fail one call.
class RecordingKernel final : public Kernel {
 public:
  std::vector<std::string> calls;
  std::string fail_call;   // "pivot_root": that call fails with EPERM
  int hook_status = 0;     // the wait status run_program reports
  std::string hook_stdin;  // what the hooks were given, all together

  int close_fds_on_exec(unsigned) noexcept override { return record("close_range"); }
  int reset_signals() noexcept override { return record("reset_signals"); }
  int prctl(int option, unsigned long arg) noexcept override {
    return record("prctl " + std::to_string(option) + "=" + std::to_string(arg));
  }
  int setresuid(uid_t uid) noexcept override { return record("setresuid " + std::to_string(uid)); }
  int setresgid(gid_t gid) noexcept override { return record("setresgid " + std::to_string(gid)); }
  int setgroups(size_t, const gid_t*) noexcept override { return record("setgroups"); }
  int join_session_keyring() noexcept override { return record("keyctl"); }
  int setns(int, int) noexcept override { return record("setns"); }
  int unshare(int) noexcept override { return record("unshare"); }
  int setsid() noexcept override { return record("setsid"); }
  void umask(mode_t mask) noexcept override { record("umask " + std::to_string(mask)); }
  int sethostname(const char* name, size_t) noexcept override {
    return record(std::string("sethostname ") + name);
  }
  int bring_up_loopback() noexcept override { return record("lo up"); }
  int personality(unsigned long persona) noexcept override {
    return record("personality " + std::to_string(persona));
  }
  int execveat(int, char* const*, char* const*) noexcept override { return record("execveat"); }
  pid_t getpid() noexcept override { return 1; }
  int run_program(const char* path, char* const*, char* const*, const struct iovec* input,
                  int input_count, int) noexcept override {
    for (int i = 0; i < input_count; ++i)
      hook_stdin.append(static_cast<const char*>(input[i].iov_base), input[i].iov_len);
    return record(std::string("hook ") + path) < 0 ? -1 : hook_status;
  }

  int open(const char* path, int) noexcept override { return fd(std::string("open ") + path); }
  int open_in_root(int, const char* path, int) noexcept override {
    return fd(std::string("open_in_root ") + path);
  }
  int openat(int, const char* name, int, mode_t) noexcept override {
    return fd(std::string("openat ") + name);
  }
  int mkdirat(int, const char* name, mode_t) noexcept override {
    return record(std::string("mkdirat ") + name);
  }
  int symlinkat(const char*, int, const char* name) noexcept override {
    return record(std::string("symlinkat ") + name);
  }
  int fchown(int, uid_t uid, gid_t) noexcept override {
    return record("fchown " + std::to_string(uid));
  }
  int fstat(int, struct stat* st) noexcept override {
    *st = {};
    st->st_mode = S_IFDIR | 0755;
    return 0;
  }
  int dup_cloexec(int) noexcept override { return fd("dup"); }
  int dup2(int, int target) noexcept override { return record("dup2 " + std::to_string(target)); }
  int keep_open_on_exec(int) noexcept override { return record("keep sync fd"); }
  ssize_t read(int, void*, size_t size) noexcept override {
    return record("read") < 0 ? -1 : static_cast<ssize_t>(size);
  }
  ssize_t write(int, const void*, size_t size) noexcept override {
    return record("write") < 0 ? -1 : static_cast<ssize_t>(size);
  }
  int faccessat(int, const char* path, int, int) noexcept override {
    return record(std::string("faccessat ") + path);
  }
  int setdomainname(const char* name, size_t) noexcept override {
    return record(std::string("setdomainname ") + name);
  }
  int ioctl(int, unsigned long, void*) noexcept override { return record("ioctl"); }
  int close(int) noexcept override { return 0; }
  int chdir(const char* path) noexcept override { return record(std::string("chdir ") + path); }
  int fchdir(int) noexcept override { return record("fchdir"); }

  int mount(const char* source, const char* target, const char*, unsigned long,
            const char*) noexcept override {
    return record(std::string("mount ") + (source ? source : "-") + " " + target);
  }
  int mount_rootfs(const rootfs::PreparedMount&) noexcept override {
    return record("mount rootfs") < 0 ? EPERM : 0;
  }
  int umount2(const char* target, int) noexcept override {
    return record(std::string("umount2 ") + target);
  }
  int pivot_root(const char*, const char*) noexcept override { return record("pivot_root"); }
  int open_tree(int, const char* path, unsigned) noexcept override {
    return fd(std::string("open_tree ") + path);
  }
  int move_mount(int, const char*, int, const char* to_path, unsigned) noexcept override {
    return record(std::string("move_mount ") + to_path);
  }
  int mount_setattr(int, const char*, unsigned, uint64_t) noexcept override {
    return record("mount_setattr");
  }
  int fsmount_sysfs(uint64_t) noexcept override { return fd("fsmount sysfs"); }

  int apply_rlimits(std::span<const security::Rlimit>) noexcept override {
    return record("setrlimit") < 0 ? EPERM : 0;
  }
  int raise_effective_caps() noexcept override { return record("raise caps") < 0 ? EPERM : 0; }
  int load_seccomp(const security::SeccompProgram&) noexcept override {
    return record("seccomp") < 0 ? EPERM : 0;
  }
  int apply_capabilities(const security::CapabilitySets&) noexcept override {
    return record("capabilities") < 0 ? EPERM : 0;
  }
  int set_no_new_privs() noexcept override { return record("no_new_privs") < 0 ? EPERM : 0; }

  // Where `call` was recorded first (calls.size() when never).
  size_t at(const std::string& call) const {
    return static_cast<size_t>(std::find(calls.begin(), calls.end(), call) - calls.begin());
  }
  bool has(const std::string& call) const { return at(call) < calls.size(); }

 private:
  int record(const std::string& call) {
    calls.push_back(call);
    if (call.rfind(fail_call, 0) == 0 && !fail_call.empty()) {
      errno = EPERM;
      return -1;
    }
    return 0;
  }
  int fd(const std::string& call) { return record(call) < 0 ? -1 : next_fd_++; }
  int next_fd_ = 100;
};

// A container plan with the usual mounts, masked and read-only paths, a
// non-root user and the default security (no_new_privs and a filter).
LaunchPlan container_plan() {
  LaunchPlan plan;
  plan.hostname = "box";
  plan.root.path = "/run/rootfs";
  plan.namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNET;
  plan.mounts.push_back({"/proc", "proc", "proc", 0, "", false, false});
  plan.masked_paths = {"/proc/kcore"};
  plan.readonly_paths = {"/proc/sys"};
  plan.process.cwd = "/work";
  plan.process.uid = 1000;
  plan.process.gid = 1000;
  plan.security.no_new_privileges = true;
  plan.security.seccomp = security::SeccompProgram{};
  return plan;
}

class ChildStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = make_sync_pair();
    ASSERT_TRUE(pair) << pair.error().message();
    sync_ = std::move(*pair);
    // The host side's answer is already waiting for the child.
    ASSERT_EQ(send_sync(sync_.parent_end.get(), make_sync_message(SyncType::kHostReady)), 0);
    ctx_.kernel = &kernel_;
    ctx_.sync_fd = sync_.child_end.get();
  }

  const Step* run(const LaunchPlan& plan, std::span<const Step> steps) {
    ctx_.plan = &plan;
    ctx_.process = &plan.process;
    ctx_.security = &plan.security;
    return run_steps(ctx_, steps);
  }

  RecordingKernel kernel_;
  ChildContext ctx_;
  SyncPair sync_;
};

TEST_F(ChildStepsTest, RunChildBuildsTheRootBeforeItLetsGo) {
  LaunchPlan plan = container_plan();
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  // No host fd survives execve, from the first step on.
  EXPECT_EQ(k.calls.front(), "close_range");
  // Nothing mounted may propagate to the host: private before any mount.
  EXPECT_LT(k.at("mount - /"), k.at("mount rootfs"));
  EXPECT_LT(k.at("mount rootfs"), k.at("mount proc /proc/self/fd/100"));
  // Masking and read-only paths apply to the container's /proc, after the
  // old root is gone.
  EXPECT_LT(k.at("pivot_root"), k.at("umount2 ."));
  EXPECT_LT(k.at("umount2 ."), k.at("mount /dev/null /proc/kcore"));
  EXPECT_LT(k.at("umount2 ."), k.at("move_mount /proc/sys"));
  EXPECT_LT(k.at("pivot_root"), k.at("sethostname box"));
}

// --ipc container:NAME: the other container's /dev/shm is cloned in its mount
// namespace (entered and left again) before the rootfs is mounted, then moved
// onto the rootfs's /dev/shm.
TEST_F(ChildStepsTest, SharedShmIsClonedInTheOtherMountNamespace) {
  LaunchPlan plan = container_plan();
  plan.mounts.push_back({"/dev/shm", kSharedShmMount, "/dev/shm", 0, "", false, false});
  ctx_.shm_mntns_fd = 42;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  EXPECT_LT(k.at("open /proc/self/ns/mnt"), k.at("setns"));
  EXPECT_LT(k.at("setns"), k.at("open_tree /dev/shm"));
  EXPECT_LT(k.at("open_tree /dev/shm"), k.at("mount rootfs"));
  EXPECT_EQ(std::ranges::count(k.calls, std::string("setns")), 2);
}

TEST_F(ChildStepsTest, SecurityComesLastAndSeccompLastOfAll) {
  LaunchPlan plan = container_plan();
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  // Root until the setup is done, then the container's user.
  EXPECT_LT(k.at("pivot_root"), k.at("setresuid 1000"));
  EXPECT_LT(k.at("chdir /work"), k.at("setresuid 1000"));
  EXPECT_LT(k.at("setresgid 1000"), k.at("setresuid 1000"));
  // KEEPCAPS for a non-root user, so the caps can still be set after the switch.
  EXPECT_LT(k.at("prctl " + std::to_string(PR_SET_KEEPCAPS) + "=1"), k.at("setresuid 1000"));
  EXPECT_LT(k.at("setresuid 1000"), k.at("capabilities"));
  EXPECT_LT(k.at("capabilities"), k.at("no_new_privs"));
  EXPECT_LT(k.at("no_new_privs"), k.at("seccomp"));
  // The filter never has to allow a setup call: only the parent-death signal
  // (which a credential change would clear, so it comes after the user
  // switch) and execveat follow it.
  std::vector<std::string> after(k.calls.begin() + static_cast<long>(k.at("seccomp")) + 1,
                                 k.calls.end());
  std::vector<std::string> expected{
      "prctl " + std::to_string(PR_SET_PDEATHSIG) + "=" + std::to_string(SIGKILL), "execveat"};
  EXPECT_EQ(after, expected);
}

TEST_F(ChildStepsTest, WithoutNoNewPrivsTheFilterIsLoadedBeforeCapsAreCut) {
  LaunchPlan plan = container_plan();
  plan.security.no_new_privileges = false;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  // Loading a filter without no_new_privs needs CAP_SYS_ADMIN: raised, loaded,
  // then the capabilities are cut, still after the user switch.
  EXPECT_LT(k.at("setresuid 1000"), k.at("raise caps"));
  EXPECT_LT(k.at("raise caps"), k.at("seccomp"));
  EXPECT_LT(k.at("seccomp"), k.at("capabilities"));
  EXPECT_FALSE(k.has("no_new_privs"));
  EXPECT_EQ(k.calls.back(), "execveat");
}

TEST_F(ChildStepsTest, AFailingCallStopsTheTableAtItsStep) {
  LaunchPlan plan = container_plan();
  kernel_.fail_call = "pivot_root";
  const Step* failed = run(plan, run_child_steps());
  ASSERT_NE(failed, nullptr);
  EXPECT_STREQ(failed->name, "pivot_root");
  EXPECT_STREQ(ctx_.failed_syscall, "pivot_root");
  EXPECT_EQ(ctx_.failed_errno, EPERM);
  // Nothing after it ran: no user switch, no exec.
  EXPECT_EQ(kernel_.calls.back(), "pivot_root");
  EXPECT_FALSE(kernel_.has("execveat"));
}

TEST_F(ChildStepsTest, ExecJoinsUndumpableAndEndsLikeRun) {
  LaunchPlan plan = container_plan();
  ctx_.join_pidfd = 3;
  ctx_.init_reports_exec = true;
  ASSERT_EQ(run(plan, exec_joiner_steps()), nullptr) << ctx_.failed_syscall;
  // Undumpable before anything else: the joiner runs sandbox's own binary.
  EXPECT_EQ(kernel_.calls.front(), "prctl " + std::to_string(PR_SET_DUMPABLE) + "=0");
  EXPECT_EQ(kernel_.calls.back(), "setns");

  kernel_.calls.clear();
  ASSERT_EQ(run(plan, exec_command_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  EXPECT_LT(k.at("setsid"), k.at("setresuid 1000"));
  EXPECT_LT(k.at("keyctl"), k.at("setresuid 1000"));
  EXPECT_LT(k.at("setresuid 1000"), k.at("no_new_privs"));
  EXPECT_LT(k.at("no_new_privs"), k.at("seccomp"));
  EXPECT_LT(k.at("seccomp"), k.at("keep sync fd"));
  EXPECT_EQ(k.calls.back(), "execveat");
  // Without -d the command dies with sandbox exec.
  EXPECT_TRUE(k.has("prctl " + std::to_string(PR_SET_PDEATHSIG) + "=" + std::to_string(SIGKILL)));
}

// --network container:NAME: the joiner makes the joined namespace's sysfs
// after entering the pause user namespace and that network namespace (the
// join fds), in a mount namespace of its own, before the container's user
// namespace (where it could not); the child gets its fd.
TEST_F(ChildStepsTest, JoinedNetworkSysfsIsMadeBeforeTheContainersUserNamespace) {
  LaunchPlan plan = container_plan();
  const int join_fds[] = {7, 8};
  ctx_.plan = &plan;
  ctx_.join_fds = join_fds;
  ctx_.join_fd_count = 2;
  ctx_.join_pidfd = 3;
  ctx_.make_joined_sysfs = true;
  ASSERT_TRUE(join_namespaces(ctx_)) << ctx_.failed_syscall;
  std::vector<std::string> expected = {"setns", "setns", "unshare", "fsmount sysfs", "setns"};
  EXPECT_EQ(kernel_.calls, expected);
  EXPECT_GE(ctx_.sysfs_fd, 0);
}

TEST_F(ChildStepsTest, DetachedExecGetsDevNullAndOutlivesExec) {
  LaunchPlan plan = container_plan();
  ctx_.detach = true;
  ASSERT_EQ(run(plan, exec_command_steps()), nullptr) << ctx_.failed_syscall;
  for (int fd = 0; fd < 3; ++fd) EXPECT_TRUE(kernel_.has("dup2 " + std::to_string(fd)));
  EXPECT_FALSE(
      kernel_.has("prctl " + std::to_string(PR_SET_PDEATHSIG) + "=" + std::to_string(SIGKILL)));
}

// A foreground run without -t: stdout and stderr are the pipes sandbox copies
// to ctr.log, stdin stays /dev/null without -i.
TEST_F(ChildStepsTest, ForegroundOutputPipesBecomeStdoutAndStderr) {
  LaunchPlan plan = container_plan();
  ctx_.stdout_fd = 40;
  ctx_.stderr_fd = 41;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  EXPECT_TRUE(kernel_.has("dup2 1"));
  EXPECT_TRUE(kernel_.has("dup2 2"));
  EXPECT_TRUE(kernel_.has("dup2 0"));
  EXPECT_LT(kernel_.at("dup2 1"), kernel_.at("execveat"));
}

TEST_F(ChildStepsTest, WithoutPipesTheCallersOutputStays) {
  LaunchPlan plan = container_plan();
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  EXPECT_FALSE(kernel_.has("dup2 1"));
  EXPECT_FALSE(kernel_.has("dup2 2"));
}

// run's supervising init gets the sync socket too (--report), to say whether
// the command was exec'd; after seccomp, as in exec.
TEST_F(ChildStepsTest, RunHandsTheSyncSocketToItsInit) {
  LaunchPlan plan = container_plan();
  ctx_.init_reports_exec = true;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  EXPECT_LT(kernel_.at("seccomp"), kernel_.at("keep sync fd"));
  EXPECT_EQ(kernel_.calls.back(), "execveat");
}

// sandbox-runtime create: the command is found, then the child waits at the
// start gate with everything set up but its security, and outlives create.
TEST_F(ChildStepsTest, ACreatedContainerWaitsAtTheGateBeforeSecurity) {
  LaunchPlan plan = container_plan();
  char path[] = "/bin/sh";
  char* paths[] = {path, nullptr};
  ctx_.command_paths = paths;
  ctx_.init_reports_exec = true;
  ctx_.start_gate_fd = 7;
  ctx_.outlive_parent = true;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  EXPECT_LT(k.at("setresuid 1000"), k.at("faccessat /bin/sh"));
  EXPECT_LT(k.at("faccessat /bin/sh"), k.at("read"));
  EXPECT_LT(k.at("read"), k.at("no_new_privs"));
  EXPECT_LT(k.at("seccomp"), k.at("keep sync fd"));
  EXPECT_EQ(k.calls.back(), "execveat");
  EXPECT_FALSE(k.has("prctl " + std::to_string(PR_SET_PDEATHSIG) + "=" + std::to_string(SIGKILL)));
}

// OCI hooks in the container: createContainer once the host side has had its
// turn and before pivot_root (its path is the host's), startContainer after
// the gate and before the container's security; each gets the state.
TEST_F(ChildStepsTest, InContainerHooksRunWhereTheSpecPutsThem) {
  LaunchPlan plan = container_plan();
  char create_path[] = "/hooks/create";
  char start_path[] = "/hooks/start";
  char* no_strings[] = {nullptr};
  HookCall create{create_path, no_strings, no_strings, 0};
  HookCall start{start_path, no_strings, no_strings, 5};
  ctx_.create_container_hooks = std::span(&create, 1);
  ctx_.start_container_hooks = std::span(&start, 1);
  ctx_.hook_state_prefix = R"({"ociVersion":"1.0.2","id":"x","status":")";
  ctx_.start_gate_fd = 7;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  EXPECT_LT(k.at("mount rootfs"), k.at("hook /hooks/create"));
  EXPECT_LT(k.at("hook /hooks/create"), k.at("pivot_root"));
  EXPECT_LT(k.at("read"), k.at("hook /hooks/start"));
  // As runc runs them: under the container's filter (seccomp.bats checks it).
  EXPECT_LT(k.at("seccomp"), k.at("hook /hooks/start"));
  EXPECT_LT(k.at("hook /hooks/start"), k.at("execveat"));
  EXPECT_EQ(k.hook_stdin, R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":1})"
                          R"({"ociVersion":"1.0.2","id":"x","status":"created","pid":1})");
}

// OCI timeOffsets: the time namespace is made and its offsets written before
// any mount or hook (no process may have entered it); the personality is set
// before the gate and the security.
TEST_F(ChildStepsTest, TimeNamespaceComesFirstAndPersonalityBeforeSecurity) {
  LaunchPlan plan = container_plan();
  plan.time_offsets = "boottime 100 0\n";
  plan.personality = 8;
  ctx_.start_gate_fd = 7;
  ASSERT_EQ(run(plan, run_child_steps()), nullptr) << ctx_.failed_syscall;
  const auto& k = kernel_;
  EXPECT_LT(k.at("setresuid 0"), k.at("unshare"));
  EXPECT_LT(k.at("unshare"), k.at("open /proc/self/timens_offsets"));
  EXPECT_LT(k.at("open /proc/self/timens_offsets"), k.at("mount rootfs"));
  EXPECT_LT(k.at("personality 8"), k.at("seccomp"));
}

TEST_F(ChildStepsTest, AFailingHookStopsTheContainerAndSaysHow) {
  LaunchPlan plan = container_plan();
  char path[] = "/hooks/create";
  char* no_strings[] = {nullptr};
  HookCall create{path, no_strings, no_strings, 0};
  ctx_.create_container_hooks = std::span(&create, 1);
  kernel_.hook_status = 3 << 8;  // exited with status 3
  const Step* failed = run(plan, run_child_steps());
  ASSERT_NE(failed, nullptr);
  EXPECT_STREQ(failed->name, "createContainer hooks");
  EXPECT_STREQ(ctx_.failed_syscall, "/hooks/create exited with status 3");
  EXPECT_FALSE(kernel_.has("pivot_root"));
  EXPECT_FALSE(kernel_.has("execveat"));
}

TEST_F(ChildStepsTest, AMissingCommandFailsBeforeTheGate) {
  LaunchPlan plan = container_plan();
  plan.process.args = {"nothing"};
  char path[] = "/bin/nothing";
  char* paths[] = {path, nullptr};
  ctx_.command_paths = paths;
  ctx_.start_gate_fd = 7;
  kernel_.fail_call = "faccessat";
  const Step* failed = run(plan, run_child_steps());
  ASSERT_NE(failed, nullptr);
  EXPECT_STREQ(failed->name, "find the command");
  EXPECT_FALSE(kernel_.has("read"));
}

}  // namespace
}  // namespace sbx::launch::detail
