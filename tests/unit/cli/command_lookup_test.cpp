#include "command_lookup.hpp"

#include <gtest/gtest.h>

namespace sbx::cli {
namespace {

TEST(EditDistance, CountsInsertsDeletesAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("ps", "ps"), 0u);
  EXPECT_EQ(edit_distance("", "run"), 3u);
  EXPECT_EQ(edit_distance("rnu", "run"), 2u);
  EXPECT_EQ(edit_distance("imgaes", "images"), 2u);
  EXPECT_EQ(edit_distance("pul", "pull"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(NearestWord, PicksTheClosestCommandOrNone) {
  std::vector<std::string> commands = {"run", "ps", "pull", "images", "inspect", "logs"};
  EXPECT_EQ(nearest_word("rnu", commands), "run");
  EXPECT_EQ(nearest_word("imagse", commands), "images");
  EXPECT_EQ(nearest_word("insp", commands), "inspect");  // a prefix
  EXPECT_EQ(nearest_word("xyzzy", commands), "");
  EXPECT_EQ(nearest_word("bogus", commands), "logs");  // 2 edits, as cobra suggests
  EXPECT_EQ(nearest_word("build", commands), "");      // 3 edits from pull
}

class CommandPath : public ::testing::Test {
 protected:
  void SetUp() override {
    app.add_subcommand("run", "run");
    app.add_subcommand("pull", "pull");
    CLI::App* system = app.add_subcommand("system", "Manage system");
    system->add_subcommand("check", "check");
    system->add_subcommand("df", "df");
    system->add_subcommand("secret", "hidden")->group("");
  }
  CLI::App app{"test", "sandbox"};
};

TEST_F(CommandPath, KnownPathsPass) {
  EXPECT_TRUE(check_command_path(app, {}));
  EXPECT_TRUE(check_command_path(app, {"run"}));
  EXPECT_TRUE(check_command_path(app, {"run", "alpine"}));  // IMAGE, not a command
  EXPECT_TRUE(check_command_path(app, {"system", "check"}));
}

TEST_F(CommandPath, AnUnknownVerbIsNamedWithTheNearestCommand) {
  Status bogus = check_command_path(app, {"bogus"});
  ASSERT_FALSE(bogus);
  EXPECT_EQ(bogus.error().message(), "unknown command \"bogus\" for \"sandbox\"");
  EXPECT_EQ(bogus.error().hint(), "see 'sandbox --help' for its commands");
  Status typo = check_command_path(app, {"rnu", "alpine"});
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().hint(), "did you mean \"run\"? see 'sandbox --help' for its commands");
}

TEST_F(CommandPath, AnUnknownCommandInAGroupNamesTheGroup) {
  Status r = check_command_path(app, {"system", "chek"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "unknown command \"chek\" for \"sandbox system\"");
  EXPECT_NE(r.error().hint().find("\"check\""), std::string::npos);
  // Hidden commands are found but never suggested.
  EXPECT_TRUE(check_command_path(app, {"system", "secret"}));
  Status near_hidden = check_command_path(app, {"system", "secrt"});
  ASSERT_FALSE(near_hidden);
  EXPECT_EQ(near_hidden.error().hint().find("secret"), std::string::npos);
}

TEST_F(CommandPath, AGroupWithoutItsCommandIsAnError) {
  Status r = check_command_path(app, {"system"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "\"sandbox system\" requires a command");
  EXPECT_TRUE(check_command_path(app, {"system"}, true));  // `sandbox system --help`
  EXPECT_FALSE(check_command_path(app, {"bogus"}, true));  // `sandbox bogus --help`
}

TEST(UnknownFlag, AFlagBeforeTheImageIsNamed) {
  EXPECT_TRUE(check_no_unknown_flag({}, "run"));
  EXPECT_TRUE(check_no_unknown_flag({"alpine", "--restart"}, "run"));  // the command's own
  EXPECT_TRUE(check_no_unknown_flag({"-"}, "run"));
  Status r = check_no_unknown_flag({"--restart", "always", "alpine"}, "run");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "unknown flag: --restart for \"sandbox run\"");
  EXPECT_EQ(r.error().hint(), "see 'sandbox run --help' for its flags");
  Status with_value = check_no_unknown_flag({"--pids-limitt=5", "alpine"}, "exec");
  ASSERT_FALSE(with_value);
  EXPECT_EQ(with_value.error().message(), "unknown flag: --pids-limitt for \"sandbox exec\"");
}

}  // namespace
}  // namespace sbx::cli
