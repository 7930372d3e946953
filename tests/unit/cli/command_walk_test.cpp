#include "command_walk.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sbx::cli {
namespace {

// A small command line shaped as sandbox's: a prefix command `run` with a
// string option, a repeatable one and a flag, and a top-level --root.
class EmptyOptionValues : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.add_option("--root", root_);
    run_ = app_.add_subcommand("run", "run a container");
    run_->add_option("--entrypoint", entrypoint_);
    run_->add_option("-e,--env", env_);
    run_->add_flag("--rm", remove_);
    run_->add_option("image", image_);
    run_->prefix_command();
  }
  std::vector<std::string> split(std::vector<std::string> words) {
    return split_empty_option_values(app_, words);
  }
  void parse(std::vector<std::string> words) {
    std::vector<std::string> reversed = split(std::move(words));
    std::reverse(reversed.begin(), reversed.end());
    app_.parse(reversed);
  }

  CLI::App app_{"test", "sandbox"};
  CLI::App* run_ = nullptr;
  std::string root_, entrypoint_ = "unset", image_;
  std::vector<std::string> env_;
  bool remove_ = false;
};

TEST_F(EmptyOptionValues, AnOptionWithAnEmptyValueGetsTheEmptyValue) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split({"run", "--entrypoint=", "img", "sh"}),
            (V{"run", "--entrypoint", "", "img", "sh"}));
  EXPECT_EQ(split({"--root=", "run", "img"}), (V{"--root", "", "run", "img"}));
  parse({"run", "--entrypoint=", "--rm", "img", "sh", "-c", "true"});
  EXPECT_EQ(entrypoint_, "");
  EXPECT_TRUE(remove_);
  EXPECT_EQ(image_, "img");
  EXPECT_EQ(run_->remaining(), (V{"sh", "-c", "true"}));
}

TEST_F(EmptyOptionValues, OtherWordsStayAsTheyAre) {
  using V = std::vector<std::string>;
  // The container's command, after the image.
  EXPECT_EQ(split({"run", "img", "tool", "--entrypoint=", "--mode="}),
            (V{"run", "img", "tool", "--entrypoint=", "--mode="}));
  // After --.
  EXPECT_EQ(split({"run", "--", "--entrypoint="}), (V{"run", "--", "--entrypoint="}));
  // The value of an option that came before.
  EXPECT_EQ(split({"run", "-e", "--entrypoint=", "img"}), (V{"run", "-e", "--entrypoint=", "img"}));
  // A flag, an unknown option, a value given, and `--=`.
  EXPECT_EQ(split({"run", "--rm=", "--nope=", "--entrypoint=x", "--=", "img"}),
            (V{"run", "--rm=", "--nope=", "--entrypoint=x", "--=", "img"}));
}

TEST(CommandWalk, ReachesTheCommandCountsArgumentsAndStopsOptionsAtDashDash) {
  CLI::App app{"test", "sandbox"};
  CLI::App* run = app.add_subcommand("run", "run");
  run->add_option("--name", [](const CLI::results_t&) { return true; });
  run->prefix_command();
  std::vector<std::string> words = {"run", "--name"};
  CommandPosition at = walk_words(app, words);
  EXPECT_EQ(at.path, "run");
  ASSERT_NE(at.value_of, nullptr);
  words = {"run", "--name", "x", "img", "cmd"};
  at = walk_words(app, words);
  EXPECT_EQ(at.arguments, 2);
  EXPECT_FALSE(options_allowed(at));  // the container's command
  words = {"run", "--"};
  EXPECT_FALSE(options_allowed(walk_words(app, words)));
}

}  // namespace
}  // namespace sbx::cli
