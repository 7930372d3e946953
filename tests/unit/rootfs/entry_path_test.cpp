#include <gtest/gtest.h>

#include "sandbox/rootfs/entry_path.hpp"

namespace sbx::rootfs {
namespace {

TEST(CleanEntryPath, MakesRelativeCleanPaths) {
  struct Case {
    const char* in;
    std::optional<std::string> out;
  } cases[] = {
      {"usr/bin/x", "usr/bin/x"},
      {"./usr/bin/x", "usr/bin/x"},
      {"/usr/bin/x", "usr/bin/x"},
      {"//usr//bin/./x/", "usr/bin/x"},
      {"usr/../etc/passwd", "etc/passwd"},
      {"a/b/../../c", "c"},
      {".", ""},
      {"./", ""},
      {"/", ""},
      {"..", std::nullopt},
      {"../victim/dotdot", std::nullopt},
      {"/../victim/slash-dotdot", std::nullopt},
      {"a/../../b", std::nullopt},
      {"a/b/../../../etc", std::nullopt},
      {"..foo/bar", "..foo/bar"},
  };
  for (const Case& c : cases) EXPECT_EQ(clean_entry_path(c.in), c.out) << c.in;
}

TEST(ClassifyEntry, RecognisesWhiteoutsAndOpaqueDirs) {
  using K = EntryKind;
  EXPECT_EQ(classify_entry("etc/passwd"), (ClassifiedEntry{K::kNormal, "etc/passwd"}));
  EXPECT_EQ(classify_entry("etc/.wh.shadow"), (ClassifiedEntry{K::kWhiteout, "etc/shadow"}));
  EXPECT_EQ(classify_entry("./.wh.tmp"), (ClassifiedEntry{K::kWhiteout, "tmp"}));
  EXPECT_EQ(classify_entry("var/cache/.wh..wh..opq"), (ClassifiedEntry{K::kOpaque, "var/cache"}));
  EXPECT_EQ(classify_entry(".wh..wh..opq"), (ClassifiedEntry{K::kOpaque, ""}));
  // A name containing .wh. later on is an ordinary file.
  EXPECT_EQ(classify_entry("a/b.wh.c"), (ClassifiedEntry{K::kNormal, "a/b.wh.c"}));
}

TEST(ClassifyEntry, RejectsEscapesAndMalformedWhiteouts) {
  EXPECT_FALSE(classify_entry("../.wh.etc"));
  EXPECT_FALSE(classify_entry("a/../../.wh..wh..opq"));
  EXPECT_FALSE(classify_entry("dir/.wh."));
  EXPECT_FALSE(classify_entry("dir/.wh...")) << "a whiteout of \"..\" must not delete the parent";
  EXPECT_FALSE(classify_entry("dir/.wh..wh.plnk"));
}

}  // namespace
}  // namespace sbx::rootfs
