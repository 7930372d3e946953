#include "sandbox/userns/write_id_maps.hpp"

#include <gtest/gtest.h>

namespace sbx::userns {
namespace {

TEST(MapHelper, MissingHelperSaysToInstallUidmap) {
  MapHelper helper = inspect_map_helper("no-such-newuidmap-sbx");
  EXPECT_TRUE(helper.path.empty());
  EXPECT_FALSE(helper.usable());
  auto status = require_map_helper(helper);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("no-such-newuidmap-sbx not found"), std::string::npos);
  EXPECT_NE(status.error().hint().find("apt-get install uidmap"), std::string::npos);
  EXPECT_EQ(status.error().errno_value(), ENOENT);
}

TEST(MapHelper, HelperWithoutSetuidOrCapsIsRefused) {
  MapHelper helper{"newuidmap", "/usr/local/bin/newuidmap", false, false};
  auto status = require_map_helper(helper);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("neither setuid root nor has file capabilities"),
            std::string::npos);
  EXPECT_NE(status.error().hint().find("chmod u+s /usr/local/bin/newuidmap"), std::string::npos);
}

TEST(MapHelper, SetuidOrFileCapsIsEnough) {
  EXPECT_TRUE(require_map_helper({"newuidmap", "/usr/bin/newuidmap", true, false}));
  EXPECT_TRUE(require_map_helper({"newgidmap", "/usr/bin/newgidmap", false, true}));
}

TEST(MapHelper, NonExecutableFileIsNotAHelper) {
  // find_program only accepts executables; /etc/passwd never is one.
  MapHelper helper = inspect_map_helper("/etc/passwd");
  EXPECT_TRUE(helper.path.empty());
}

}  // namespace
}  // namespace sbx::userns
