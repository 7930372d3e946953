#include "sandbox/userns/id_map.hpp"

#include <gtest/gtest.h>

namespace sbx::userns {
namespace {

using Map = std::vector<IdMapEntry>;

TEST(IdMapDefault, RootIsTheUserAndTheRangeFollows) {
  auto maps = compute_id_maps(1000, 1001, {{100000, 65536}}, {{200000, 65536}});
  EXPECT_EQ(maps.uids, (Map{{0, 1000, 1}, {1, 100000, 65535}}));
  EXPECT_EQ(maps.gids, (Map{{0, 1001, 1}, {1, 200000, 65535}}));
  EXPECT_FALSE(maps.single_id());
  EXPECT_EQ(maps.host_uid(0), 1000u);
  EXPECT_EQ(maps.host_uid(1000), 100999u);
  EXPECT_EQ(maps.host_gid(65534), 265533u);
  EXPECT_TRUE(maps.maps_uid(65535));
  EXPECT_FALSE(maps.maps_uid(65536));
}

TEST(IdMapDefault, SeveralRangesAreConcatenatedUpTo65535Ids) {
  Map map = compute_id_map(1000, {{100000, 1000}, {300000, 100000}}, Mode::kDefault);
  EXPECT_EQ(map, (Map{{0, 1000, 1}, {1, 100000, 1000}, {1001, 300000, 64535}}));
}

TEST(IdMapDefault, SmallRangeMapsWhatItHas) {
  Map map = compute_id_map(1000, {{100000, 10}}, Mode::kDefault);
  EXPECT_EQ(map, (Map{{0, 1000, 1}, {1, 100000, 10}}));
}

TEST(IdMapDefault, NoRangeIsASingleIdMap) {
  auto maps = compute_id_maps(1000, 1000, {}, {});
  EXPECT_EQ(maps.uids, (Map{{0, 1000, 1}}));
  EXPECT_TRUE(maps.single_id());
  EXPECT_FALSE(maps.maps_uid(1));
}

TEST(IdMapKeepId, UserKeepsItsIdAndRootComesFromTheRange) {
  Map map = compute_id_map(1000, {{100000, 65536}}, Mode::kKeepId);
  EXPECT_EQ(map, (Map{{0, 100000, 1000}, {1000, 1000, 1}, {1001, 101000, 64535}}));
  IdMaps maps{map, map};
  EXPECT_EQ(maps.host_uid(0), 100000u);
  EXPECT_EQ(maps.host_uid(1000), 1000u);
  EXPECT_EQ(maps.host_uid(1001), 101000u);
  EXPECT_EQ(maps.host_uid(65535), 165534u);
}

TEST(IdMapKeepId, RangeSplitAcrossTheUsersId) {
  Map map = compute_id_map(5, {{100000, 3}, {200000, 10}}, Mode::kKeepId);
  EXPECT_EQ(map, (Map{{0, 100000, 3}, {3, 200000, 2}, {5, 5, 1}, {6, 200002, 8}}));
}

TEST(IdMapKeepId, HighUidStaysItselfAboveTheRange) {
  Map map = compute_id_map(100000000, {{100000, 65536}}, Mode::kKeepId);
  EXPECT_EQ(map, (Map{{0, 100000, 65535}, {100000000, 100000000, 1}}));
}

TEST(IdMapKeepId, NoRangeMapsOnlyTheUser) {
  EXPECT_EQ(compute_id_map(1000, {}, Mode::kKeepId), (Map{{1000, 1000, 1}}));
}

TEST(IdMapFormat, ProcFileAndHelperArguments) {
  Map map{{0, 1000, 1}, {1, 100000, 65535}};
  EXPECT_EQ(format_proc_map(map), "0 1000 1\n1 100000 65535\n");
  EXPECT_EQ(helper_map_args(map),
            (std::vector<std::string>{"0", "1000", "1", "1", "100000", "65535"}));
}

TEST(IdMapWarning, NamesTheExactLineAndFiles) {
  std::string text = missing_range_warning("alice", "/etc/subuid and /etc/subgid");
  EXPECT_NE(text.find("'alice:100000:65536'"), std::string::npos) << text;
  EXPECT_NE(text.find("/etc/subuid and /etc/subgid"), std::string::npos) << text;
  EXPECT_NE(text.find("--add-subuids 100000-165535"), std::string::npos) << text;
  EXPECT_NE(missing_range_warning("bob", "/etc/subgid", 165536).find("'bob:165536:65536'"),
            std::string::npos);
}

}  // namespace
}  // namespace sbx::userns
