// Every command path the help shows is reachable: `sandbox PATH --help` works
// for each, and so does PATH itself, whichever command group registers it (the
// CLI registers groups lazily, and a group's commands may come from several of
// them; help registers them all, so each path is also tried without it: it may
// refuse its arguments, but must be found).
#include <sstream>

#include "harness.hpp"

namespace sbx::it {
namespace {

// The names under "Subcommands:" in a help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  bool listing = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Subcommands:")) {
      listing = true;
      continue;
    }
    if (!listing || line.size() < 3 || line[0] != ' ') continue;
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (name.ends_with(',')) name.pop_back();  // "ls, list": a command and its alias
    names.push_back(name);
  }
  return names;
}

class CliPathsTest : public SandboxTest {};

TEST_F(CliPathsTest, EveryCommandInTheHelpHasItsOwnHelp) {
  auto top = sandbox({"--help"});
  ASSERT_EQ(top.exit_code, 0) << top.describe();
  std::vector<std::string> commands = subcommands_in(top.out);
  ASSERT_GT(commands.size(), 20u) << top.out;
  size_t leaves = 0;
  for (const std::string& command : commands) {
    auto help = sandbox({command, "--help"});
    ASSERT_EQ(help.exit_code, 0) << command << ": " << help.describe();
    std::vector<std::string> children = subcommands_in(help.out);
    for (const std::string& child : children) {
      auto leaf = sandbox({command, child, "--help"});
      EXPECT_EQ(leaf.exit_code, 0) << command << " " << child << ": " << leaf.describe();
      EXPECT_NE(leaf.out.find("Usage: sandbox " + command + " " + child), std::string::npos)
          << leaf.out;
      auto found = sandbox({command, child, "--no-such-flag-sbx"});
      EXPECT_EQ(found.exit_code, 125) << command << " " << child << ": " << found.describe();
      EXPECT_EQ(found.err.find("A subcommand is required"), std::string::npos)
          << command << " " << child << ": " << found.describe();
      ++leaves;
    }
    if (children.empty()) ++leaves;
  }
  EXPECT_GT(leaves, commands.size());  // the groups have commands of their own
}

// The README's paths that live in groups, run for real (not only their help).
TEST_F(CliPathsTest, GroupCommandsFromTheReadmeRun) {
  auto check = sandbox({"system", "check"});
  EXPECT_TRUE(check.exit_code == 0 || check.exit_code == 1) << check.describe();
  EXPECT_NE(check.out.find("rootless containers"), std::string::npos) << check.describe();
  EXPECT_EQ(check.err.find("A subcommand is required"), std::string::npos) << check.err;
  for (std::vector<std::string> args : {std::vector<std::string>{"system", "df"},
                                        {"image", "prune"},
                                        {"container", "prune"},
                                        {"image", "ls"}}) {
    auto r = sandbox(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.describe();
  }
}

// Every command path the README shows is found (its own help works, and the
// path itself never meets "unknown command" nor CLI11's "A subcommand is required").
TEST_F(CliPathsTest, EveryCommandPathInTheReadmeIsFound) {
  for (std::vector<std::string> path : {std::vector<std::string>{"system", "check"},
                                        {"system", "df"},
                                        {"system", "reset"},
                                        {"image", "save"},
                                        {"image", "load"},
                                        {"image", "prune"},
                                        {"container", "export"},
                                        {"commit"},
                                        {"exec"},
                                        {"export"},
                                        {"images"},
                                        {"import"},
                                        {"info"},
                                        {"inspect"},
                                        {"load"},
                                        {"login"},
                                        {"logout"},
                                        {"logs"},
                                        {"port"},
                                        {"ps"},
                                        {"pull"},
                                        {"rm"},
                                        {"rmi"},
                                        {"run"},
                                        {"save"},
                                        {"stats"},
                                        {"stop"},
                                        {"tag"},
                                        {"top"},
                                        {"unshare"},
                                        {"update"},
                                        {"version"}}) {
    std::string shown;
    for (const auto& word : path) shown += (shown.empty() ? "" : " ") + word;
    path.push_back("--help");
    auto help = sandbox(path);
    EXPECT_EQ(help.exit_code, 0) << shown << ": " << help.describe();
    EXPECT_NE(help.out.find("Usage: sandbox " + shown), std::string::npos) << help.out;
    path.back() = "--no-such-flag-sbx";
    auto found = sandbox(path);
    EXPECT_EQ(found.exit_code, 125) << shown << ": " << found.describe();
    EXPECT_EQ(found.err.find("A subcommand is required"), std::string::npos) << found.describe();
    EXPECT_EQ(found.err.find("unknown command"), std::string::npos) << found.describe();
  }
}

TEST_F(CliPathsTest, AnUnknownVerbIsNamedAndExits125) {
  auto bogus = sandbox({"bogus"});
  EXPECT_EQ(bogus.exit_code, 125) << bogus.describe();
  EXPECT_NE(bogus.err.find("unknown command \"bogus\" for \"sandbox\""), std::string::npos)
      << bogus.describe();
  EXPECT_EQ(bogus.err.find("A subcommand is required"), std::string::npos) << bogus.describe();
  auto typo = sandbox({"imgaes"});
  EXPECT_EQ(typo.exit_code, 125) << typo.describe();
  EXPECT_NE(typo.err.find("did you mean \"images\"?"), std::string::npos) << typo.describe();
  auto in_group = sandbox({"system", "chekc"});
  EXPECT_EQ(in_group.exit_code, 125) << in_group.describe();
  EXPECT_NE(in_group.err.find("unknown command \"chekc\" for \"sandbox system\""),
            std::string::npos)
      << in_group.describe();
  EXPECT_NE(in_group.err.find("did you mean \"check\"?"), std::string::npos) << in_group.describe();
  auto group_only = sandbox({"system"});
  EXPECT_EQ(group_only.exit_code, 125) << group_only.describe();
  EXPECT_NE(group_only.err.find("\"sandbox system\" requires a command"), std::string::npos)
      << group_only.describe();
}

TEST_F(CliPathsTest, HelpCommandIsTheHelpFlag) {
  auto top = sandbox({"help"});
  EXPECT_EQ(top.exit_code, 0) << top.describe();
  EXPECT_EQ(top.out, sandbox({"--help"}).out);
  auto ps = sandbox({"help", "ps"});
  EXPECT_EQ(ps.exit_code, 0) << ps.describe();
  EXPECT_NE(ps.out.find("Usage: sandbox ps"), std::string::npos) << ps.describe();
  auto check = sandbox({"help", "system", "check"});
  EXPECT_NE(check.out.find("Usage: sandbox system check"), std::string::npos) << check.describe();
  auto bogus = sandbox({"help", "bogus"});
  EXPECT_EQ(bogus.exit_code, 125) << bogus.describe();
}

TEST_F(CliPathsTest, AnUnknownRunFlagIsNamedNotTakenForTheImage) {
  // --restart is known now: a flag run still lacks stands for any unknown one.
  auto r = sandbox({"run", "--restart-delay", "always", "alpine"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("unknown flag: --restart-delay"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find("invalid reference format"), std::string::npos) << r.describe();
  auto e = sandbox({"exec", "--bogus-flag", "c1", "true"});
  EXPECT_EQ(e.exit_code, 125) << e.describe();
  EXPECT_NE(e.err.find("unknown flag: --bogus-flag"), std::string::npos) << e.describe();
}

}  // namespace
}  // namespace sbx::it
