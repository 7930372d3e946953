#include "sandbox/base/strings.hpp"

#include <gtest/gtest.h>

namespace sbx {
namespace {

TEST(CStringArray, PointsIntoTheStringsAndEndsInNull) {
  std::vector<std::string> args{"sandbox-init", "--", "sh", ""};
  auto argv = c_string_array(args);
  ASSERT_EQ(argv.size(), 5u);
  for (size_t i = 0; i < args.size(); ++i) EXPECT_EQ(argv[i], args[i].c_str()) << i;
  EXPECT_EQ(argv[4], nullptr);
  EXPECT_EQ(c_string_array({}), std::vector<char*>{nullptr});
}

}  // namespace
}  // namespace sbx
