// The default security policy seen from inside: capabilities, no_new_privs,
// seccomp, masked and read-only paths, no leaked fds, no way out.
#include <unistd.h>

#include "run_fixture.hpp"
#include "sandbox/base/process.hpp"

namespace sbx::it {
namespace {

// docker's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
// NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
constexpr const char* kDefaultCaps = "00000000a80425fb";

TEST_F(RunTest, DefaultCapabilitiesNoNewPrivsAndSeccomp) {
  auto r = payload_run({"caps"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const char* set : {"CapPrm", "CapEff", "CapBnd"})
    EXPECT_TRUE(contains(r.out, std::string(set) + ":\t" + kDefaultCaps)) << set << "\n" << r.out;
  EXPECT_TRUE(contains(r.out, "CapInh:\t0000000000000000")) << r.out;
  EXPECT_TRUE(contains(r.out, "CapAmb:\t0000000000000000")) << r.out;
  EXPECT_TRUE(contains(r.out, "NoNewPrivs:\t1")) << r.out;
  EXPECT_TRUE(contains(r.out, "Seccomp:\t2")) << r.out;
}

TEST_F(RunTest, CapAddDropAndPrivileged) {
  auto none = payload_run({"caps"}, {"--cap-drop", "ALL"});
  EXPECT_TRUE(contains(none.out, "CapBnd:\t0000000000000000")) << none.describe();
  auto added = payload_run({"caps"}, {"--cap-drop", "ALL", "--cap-add", "NET_RAW"});
  EXPECT_TRUE(contains(added.out, "CapEff:\t0000000000002000")) << added.describe();
  auto privileged = payload_run({"caps"}, {"--privileged"});
  EXPECT_FALSE(contains(privileged.out, kDefaultCaps)) << privileged.describe();
  EXPECT_TRUE(contains(privileged.out, "Seccomp:\t0")) << privileged.out;
  auto user = payload_run({"caps"}, {"-u", "1000"});
  EXPECT_TRUE(contains(user.out, "CapEff:\t0000000000000000")) << user.describe();
  EXPECT_TRUE(contains(user.out, std::string("CapBnd:\t") + kDefaultCaps)) << user.out;
}

TEST_F(RunTest, SeccompBlocksSyscalls) {
  auto r = payload_run({"seccomp-probe", "mount", "keyctl", "unshare-user", "getpid"});
  EXPECT_TRUE(contains(r.out, "mount: EPERM")) << r.describe();
  EXPECT_TRUE(contains(r.out, "keyctl: EPERM")) << r.out;
  EXPECT_TRUE(contains(r.out, "unshare-user: EPERM")) << r.out;
  EXPECT_TRUE(contains(r.out, "getpid: ok")) << r.out;
  auto open = payload_run({"seccomp-probe", "mount"}, {"--security-opt", "seccomp=unconfined"});
  EXPECT_TRUE(contains(open.out, "mount: ENOENT")) << open.describe();
}

TEST_F(RunTest, IoUringAnswersEnosys) {
  auto r = payload_run({"seccomp-probe", "io_uring_setup", "io_uring_enter", "io_uring_register"});
  EXPECT_TRUE(contains(r.out, "io_uring_setup: ENOSYS")) << r.describe();
  EXPECT_TRUE(contains(r.out, "io_uring_enter: ENOSYS")) << r.out;
  EXPECT_TRUE(contains(r.out, "io_uring_register: ENOSYS")) << r.out;
  // Not vacuous: without the filter the kernel answers (EINVAL, EBADF, or EPERM where a sysctl
  // disables io_uring), never ENOSYS.
  auto open =
      payload_run({"seccomp-probe", "io_uring_setup"}, {"--security-opt", "seccomp=unconfined"});
  SBX_REQUIRES(!contains(open.out, "io_uring_setup: ENOSYS"), "a kernel built with io_uring");
  EXPECT_TRUE(contains(open.out, "io_uring_setup: ")) << open.describe();
}

TEST_F(RunTest, MaskedAndReadOnlyPaths) {
  auto masked = payload_run({"stat", "/proc/keys", "/proc/timer_list", "/sys/firmware"});
  EXPECT_TRUE(contains(masked.out, "/proc/keys type=chardev")) << masked.describe();
  EXPECT_TRUE(contains(masked.out, "rdev=1:3")) << masked.out;
  auto empty = payload_run({"ls", "/sys/firmware"});
  EXPECT_EQ(empty.out, "") << empty.describe();
  auto ro = payload_run({"write", "/proc/sys/kernel/hostname", "x"});
  EXPECT_EQ(ro.exit_code, 1) << ro.describe();
  EXPECT_TRUE(contains(ro.err, "EROFS")) << ro.err;
  auto privileged = payload_run({"ls", "/sys/firmware"}, {"--privileged"});
  EXPECT_EQ(privileged.exit_code, 0) << privileged.describe();
}

TEST_F(RunTest, NoHostFdReachesTheContainer) {
  // An fd the caller leaked into sandbox (no CLOEXEC) must not reach the container.
  std::string command = "exec 7</etc/hostname 8>/dev/null; exec " + sandbox_bin() + " --root " +
                        root().string() + " run --rm " + payload() + " payload fds";
  auto r = run_command({"sh", "-c", command});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->succeeded()) << r->err;
  EXPECT_EQ(r->out, "") << r->out;
}

TEST_F(RunTest, EscapeProbesStayContained) {
  auto r = payload_run({"escape-probe"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "escape-probe: 0 escaped")) << r.out;
  auto cwd = payload_run({"cwd"});
  EXPECT_EQ(cwd.out, "/\n") << cwd.describe();
}

}  // namespace
}  // namespace sbx::it
