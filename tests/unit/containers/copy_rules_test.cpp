// `cp`'s argument forms and docker's placement rules.
#include <gtest/gtest.h>

#include "sandbox/containers/copy.hpp"

namespace sbx::containers {
namespace {

TEST(ParseCopyArg, ContainerPathOrHostPath) {
  EXPECT_EQ(parse_copy_arg("web:/etc/hosts"), (CopyArg{"web", "/etc/hosts"}));
  EXPECT_EQ(parse_copy_arg("web:rel/x:y"), (CopyArg{"web", "rel/x:y"}));
  EXPECT_EQ(parse_copy_arg("/abs/a:b"), (CopyArg{"", "/abs/a:b"}));
  EXPECT_EQ(parse_copy_arg("./a:b"), (CopyArg{"", "./a:b"}));
  EXPECT_EQ(parse_copy_arg("file"), (CopyArg{"", "file"}));
  EXPECT_EQ(parse_copy_arg("-"), (CopyArg{"", "-"}));
  EXPECT_EQ(parse_copy_arg("web:"), (CopyArg{"web", ""}));
}

TEST(PlaceCopy, FileSources) {
  EXPECT_EQ(*place_copy("/etc/hosts", false, "out", DestKind::kMissing),
            (CopyPlacement{false, "out"}));
  EXPECT_EQ(*place_copy("/etc/hosts", false, "dir", DestKind::kDirectory),
            (CopyPlacement{true, "hosts"}));
  EXPECT_EQ(*place_copy("/etc/hosts", false, "old", DestKind::kFile),
            (CopyPlacement{false, "old"}));
  EXPECT_EQ(place_copy("/etc/hosts", false, "nodir/", DestKind::kMissing).error().errno_value(),
            ENOENT);
  EXPECT_EQ(place_copy("/etc/hosts/", false, "x", DestKind::kMissing).error().errno_value(),
            ENOTDIR);
  EXPECT_EQ(place_copy("/etc/hosts/.", false, "x", DestKind::kDirectory).error().errno_value(),
            ENOTDIR);
}

TEST(PlaceCopy, DirectorySources) {
  EXPECT_EQ(*place_copy("/etc", true, "new", DestKind::kMissing), (CopyPlacement{false, "new"}));
  EXPECT_EQ(*place_copy("/etc/", true, "dir", DestKind::kDirectory), (CopyPlacement{true, "etc"}));
  EXPECT_EQ(*place_copy("/etc/.", true, "dir", DestKind::kDirectory), (CopyPlacement{true, ""}));
  EXPECT_EQ(*place_copy("/", true, "dir", DestKind::kDirectory), (CopyPlacement{true, ""}));
  EXPECT_EQ(*place_copy("/etc", true, "new/", DestKind::kMissing), (CopyPlacement{false, "new"}));
  EXPECT_EQ(place_copy("/etc", true, "file", DestKind::kFile).error().errno_value(), ENOTDIR);
}

}  // namespace
}  // namespace sbx::containers
