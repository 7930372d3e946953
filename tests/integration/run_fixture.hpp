// Shared by the run_*_test.cpp files: a SandboxTest that needs the rig's
// payload image and subordinate ids, and a `run` shortcut.
#pragma once

#include <string>
#include <vector>

#include "harness.hpp"

namespace sbx::it {

class RunTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES_SUBIDS();
    if (!rig().available) GTEST_SKIP() << "requires: the test rig (tests/rig/start.sh)";
    if (!rig_has_image("test/payload:latest"))
      GTEST_SKIP() << "requires: test/payload:latest in the rig (tests/rig/images/build.sh)";
  }

  static std::string payload() { return rig().image("test/payload:latest"); }

  // sandbox run --rm [flags...] IMAGE [args...]
  RunResult run(const std::vector<std::string>& flags, const std::string& image,
                const std::vector<std::string>& args, RunOptions options = {}) {
    std::vector<std::string> all{"run", "--rm"};
    all.insert(all.end(), flags.begin(), flags.end());
    all.push_back(image);
    all.insert(all.end(), args.begin(), args.end());
    return sandbox(all, std::move(options));
  }
  RunResult payload_run(const std::vector<std::string>& args,
                        const std::vector<std::string>& flags = {}) {
    std::vector<std::string> full{"payload"};
    full.insert(full.end(), args.begin(), args.end());
    return run(flags, payload(), full);
  }
};

}  // namespace sbx::it
