#include "sandbox/userns/subid.hpp"

#include <gtest/gtest.h>

namespace sbx::userns {
namespace {

constexpr const char* kFile =
    "# comment line\n"
    "\n"
    "alice:100000:65536\n"
    "bob:165536:65536\n"
    "  alice:300000:1000  \n"
    "1001:400000:10\n"
    "alice:bad:10\n"
    "alice:500000\n"
    "alice:500000:0\n"
    "alice:4294967000:1000\n"
    ":600000:10\n"
    "alice:700000:10:extra\n";

TEST(SubidParse, MatchesByNameInFileOrder) {
  auto ranges = parse_subid_file(kFile, {"alice", 1000});
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], (SubidRange{100000, 65536}));
  EXPECT_EQ(ranges[1], (SubidRange{300000, 1000}));
  EXPECT_EQ(total_ids(ranges), 66536u);
}

TEST(SubidParse, MatchesByNumericUid) {
  auto ranges = parse_subid_file(kFile, {"carol", 1001});
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0], (SubidRange{400000, 10}));
}

TEST(SubidParse, UserWithoutPasswdNameMatchesUidOnly) {
  EXPECT_EQ(parse_subid_file(kFile, {"", 1001}).size(), 1u);
  EXPECT_TRUE(parse_subid_file(kFile, {"", 1000}).empty());
}

TEST(SubidParse, UnknownUserAndEmptyFileGiveNothing) {
  EXPECT_TRUE(parse_subid_file(kFile, {"mallory", 4242}).empty());
  EXPECT_TRUE(parse_subid_file("", {"alice", 1000}).empty());
  EXPECT_TRUE(parse_subid_file("alice:1:2", {"alic", 1000}).empty());
}

TEST(SubidParse, HandlesCrLfAndNoTrailingNewline) {
  auto ranges = parse_subid_file("alice:100000:65536\r\nalice:200000:5", {"alice", 1000});
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], (SubidRange{200000, 5}));
}

TEST(SubidSuggest, PicksStartAfterEveryExistingRange) {
  EXPECT_EQ(suggest_free_start(""), 100000u);
  EXPECT_EQ(suggest_free_start("bob:100000:65536\nx:10:5\n"), 165536u);
  EXPECT_EQ(suggest_free_start(kFile), 400010u);
}

TEST(SubidSuggest, FallsBackWhenNoRoomIsLeft) {
  EXPECT_EQ(suggest_free_start("x:4294900000:60000\n"), 100000u);
}

}  // namespace
}  // namespace sbx::userns
