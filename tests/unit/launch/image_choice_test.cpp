// --pull's values and the binfmt_misc handler an image of another platform
// would need.
#include <gtest/gtest.h>

#include "sandbox/launch/run.hpp"

namespace sbx::launch {
namespace {

TEST(PullPolicy, Values) {
  EXPECT_EQ(*parse_pull_policy("missing"), PullPolicy::kMissing);
  EXPECT_EQ(*parse_pull_policy(""), PullPolicy::kMissing);
  EXPECT_EQ(*parse_pull_policy("always"), PullPolicy::kAlways);
  EXPECT_EQ(*parse_pull_policy("never"), PullPolicy::kNever);
  EXPECT_EQ(*parse_pull_policy("newer"), PullPolicy::kNewer);
  auto bad = parse_pull_policy("sometimes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid --pull 'sometimes'");
  EXPECT_NE(bad.error().hint().find("missing (the default), always, never or newer"),
            std::string::npos);
}

TEST(BinfmtHandler, QemuNames) {
  EXPECT_EQ(binfmt_handler_name({"linux", "arm64", "v8"}), "qemu-aarch64");
  EXPECT_EQ(binfmt_handler_name({"linux", "amd64", ""}), "qemu-x86_64");
  EXPECT_EQ(binfmt_handler_name({"linux", "arm", "v7"}), "qemu-arm");
  EXPECT_EQ(binfmt_handler_name({"linux", "riscv64", ""}), "qemu-riscv64");
  EXPECT_EQ(binfmt_handler_name({"linux", "wasm", ""}), "");
}

}  // namespace
}  // namespace sbx::launch
