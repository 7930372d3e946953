// .dockerignore rules, globs and the build cache's keys.
#include "sandbox/images/build_context.hpp"

#include <gtest/gtest.h>

namespace sbx::images {
namespace {

TEST(MatchGlob, GoFilepathMatch) {
  EXPECT_TRUE(match_glob("*.txt", "a.txt"));
  EXPECT_FALSE(match_glob("*.txt", "dir/a.txt"));  // '*' stays in one element
  EXPECT_TRUE(match_glob("dir/*.txt", "dir/a.txt"));
  EXPECT_TRUE(match_glob("a?c", "abc"));
  EXPECT_TRUE(match_glob("[a-c]x", "bx"));
  EXPECT_FALSE(match_glob("[^a-c]x", "bx"));
  EXPECT_TRUE(match_glob("\\*", "*"));
  EXPECT_FALSE(match_glob("\\*", "a"));
}

TEST(MatchGlob, DoubleStar) {
  EXPECT_TRUE(match_glob("**/*.go", "a.go"));
  EXPECT_TRUE(match_glob("**/*.go", "x/y/a.go"));
  EXPECT_TRUE(match_glob("a/**/b", "a/b"));
  EXPECT_TRUE(match_glob("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(match_glob("a/**/b", "b/x/b"));
  EXPECT_TRUE(match_glob("**", "anything/at/all"));
}

// Many "**" against a deep path: each (pattern, path) position is decided once.
TEST(MatchGlob, ManyDoubleStarsStayFast) {
  std::string pattern, path;
  for (int i = 0; i < 40; ++i) pattern += "**/";
  pattern += "z";
  for (int i = 0; i < 200; ++i) path += "d/";
  EXPECT_FALSE(match_glob(pattern, path + "y"));
  EXPECT_TRUE(match_glob(pattern, path + "z"));
}

TEST(IgnoreRules, LastMatchWinsAndParentsCover) {
  IgnoreRules rules = IgnoreRules::parse(
      "# comment\n"
      "\n"
      "*.log\n"
      "!keep.log\n"
      "/build/\n"
      "./tmp\n"
      "docs/**/*.md\n"
      "secret/../private\n");
  EXPECT_TRUE(rules.excluded("a.log"));
  EXPECT_FALSE(rules.excluded("keep.log"));
  EXPECT_FALSE(rules.excluded("sub/a.log"));  // '*' does not cross '/'
  EXPECT_TRUE(rules.excluded("build"));
  EXPECT_TRUE(rules.excluded("build/out/x.o"));  // inside an excluded dir
  EXPECT_TRUE(rules.excluded("tmp/file"));
  EXPECT_TRUE(rules.excluded("docs/a/b/c.md"));
  EXPECT_TRUE(rules.excluded("private"));
  EXPECT_FALSE(rules.excluded("secret"));
  EXPECT_FALSE(rules.excluded("src/main.c"));
}

TEST(IgnoreRules, EmptyExcludesNothing) {
  IgnoreRules rules = IgnoreRules::parse("\n# nothing\n");
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.excluded("Dockerfile"));
}

TEST(BuildCacheKey, EveryPartCounts) {
  auto a = *image::Digest::parse("sha256:" + std::string(64, 'a'));
  auto b = *image::Digest::parse("sha256:" + std::string(64, 'b'));
  std::string base = build_cache_key(a, "RUN x", "");
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, build_cache_key(a, "RUN x", ""));
  EXPECT_NE(base, build_cache_key(b, "RUN x", ""));
  EXPECT_NE(base, build_cache_key(a, "RUN y", ""));
  EXPECT_NE(base, build_cache_key(a, "RUN x", "c"));
  // No ambiguity between the instruction and the content.
  EXPECT_NE(build_cache_key(a, "RUN x\n", "c"), build_cache_key(a, "RUN x", "\nc"));
}

}  // namespace
}  // namespace sbx::images
