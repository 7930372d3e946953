// --detach-keys: docker's grammar, and the matcher over input as it comes.
#include "sandbox/launch/detach_keys.hpp"

#include <gtest/gtest.h>

namespace sbx::launch {
namespace {

TEST(DetachKeys, ParsesDockersGrammar) {
  EXPECT_EQ(*parse_detach_keys(kDefaultDetachKeys), std::string("\x10\x11"));
  EXPECT_EQ(*parse_detach_keys("ctrl-a,x"), std::string("\x01x"));
  EXPECT_EQ(*parse_detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
            std::string("\0\x1b\x1c\x1d\x1e\x1f", 6));
  EXPECT_EQ(*parse_detach_keys("CTRL-P,Q"), std::string("\x10Q"));
  EXPECT_EQ(*parse_detach_keys(""), "");  // no detaching
}

TEST(DetachKeys, RefusesWhatDockerRefuses) {
  for (const char* bad : {"ctrl-", "ctrl-1", "ctrl-ab", "ctl-p", "ab", "ctrl-p,", ","}) {
    auto keys = parse_detach_keys(bad);
    ASSERT_FALSE(keys) << bad;
    EXPECT_NE(keys.error().message().find("--detach-keys"), std::string::npos) << bad;
  }
}

TEST(DetachKeys, MatcherHoldsAPrefixAndPassesItOnWhenItBreaks) {
  DetachKeyMatcher m("\x10\x11");
  std::string out;
  EXPECT_FALSE(m.feed("ab\x10", out));
  EXPECT_EQ(out, "ab");
  EXPECT_FALSE(m.feed("c\x10\x10", out));  // broken, then a new start held
  EXPECT_EQ(out,
            "ab\x10"
            "c\x10");
  EXPECT_TRUE(m.feed("\x11trailing", out));
  EXPECT_EQ(out,
            "ab\x10"
            "c\x10");
}

TEST(DetachKeys, EmptyKeysPassEverything) {
  DetachKeyMatcher m("");
  std::string out;
  EXPECT_FALSE(m.feed(std::string("\x10\x11", 2), out));
  EXPECT_EQ(out, "\x10\x11");
}

TEST(DetachKeys, OneKeyDetachesAtOnce) {
  DetachKeyMatcher m("q");
  std::string out;
  EXPECT_TRUE(m.feed("xq", out));
  EXPECT_EQ(out, "x");
}

}  // namespace
}  // namespace sbx::launch
