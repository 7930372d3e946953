#include "sandbox/base/process.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sbx {
namespace {

// A helper that exits without reading its stdin (a credential helper that fails
// at once) must give an error status, not kill us with SIGPIPE.
TEST(RunCommandTest, AHelperThatIgnoresItsStdinDoesNotKillUs) {
  CommandOptions options;
  options.stdin_data = std::string(1 << 20, 'x');  // more than a pipe holds
  for (int round = 0; round < 20; ++round) {
    auto result = run_command({"sh", "-c", "echo gone >&2; exit 3"}, options);
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_EQ(exit_code_of(result->wait_status), 3);
    EXPECT_EQ(result->err, "gone\n");
  }
}

TEST(RunCommandTest, StdinReachesTheHelper) {
  CommandOptions options;
  options.stdin_data = "hello";
  auto result = run_command({"cat"}, options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_TRUE(result->succeeded());
  EXPECT_EQ(result->out, "hello");
}

}  // namespace
}  // namespace sbx
