// End-to-end `sandbox pull` against the test rig's registries (tests/rig/README.md).
#include <sys/stat.h>

#include "harness.hpp"

namespace sbx::it {
namespace {

class PullTest : public SandboxTest {};

TEST_F(PullTest, HarnessRunsTheBinary) {
  RunResult r = run_sandbox({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.out.empty()) << r.describe();
}

TEST_F(PullTest, PullsBusyboxFromAnonymousRegistry) {
  SBX_REQUIRES_RIG();
  RunResult r = sandbox({"pull", rig().image("test/busybox:latest")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult images = sandbox({"images"});
  ASSERT_EQ(images.exit_code, 0) << images.describe();
  EXPECT_NE(images.out.find(rig().registry + "/test/busybox"), std::string::npos)
      << images.describe();
}

}  // namespace
}  // namespace sbx::it
