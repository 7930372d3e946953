// `sandbox version` and `sandbox --version`: the version, the commit it was built from, the
// build type, and for each optional library whether this host has it (the answer must match
// what dlopen says here).
#include <dlfcn.h>

#include <regex>
#include <sstream>

#include "harness.hpp"

namespace sbx::it {
namespace {

class VersionTest : public SandboxTest {};

// The line of `text` that starts with `prefix`, without the prefix; nothing when none does.
std::optional<std::string> line_after(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  return std::nullopt;
}

bool loadable(const std::string& soname) {
  void* handle = ::dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (handle) ::dlclose(handle);
  return handle != nullptr;
}

TEST_F(VersionTest, NamesVersionCommitAndBuildType) {
  auto version = sandbox({"version"});
  ASSERT_EQ(version.exit_code, 0) << version.describe();
  EXPECT_TRUE(std::regex_search(version.out, std::regex(R"(^sandbox [0-9]+\.[0-9]+\.[0-9]+\n)")))
      << version.out;
  auto commit = line_after(version.out, "commit: ");
  ASSERT_TRUE(commit) << version.out;
  // A build from a git work tree knows its commit ("-dirty" with uncommitted changes).
  EXPECT_TRUE(std::regex_match(*commit, std::regex("[0-9a-f]{12}(-dirty)?"))) << *commit;
  EXPECT_EQ(line_after(version.out, "build type: "), SBX_BUILD_TYPE) << version.out;

  auto dashes = sandbox({"--version"});
  ASSERT_EQ(dashes.exit_code, 0) << dashes.describe();
  EXPECT_EQ(dashes.out, version.out);
}

TEST_F(VersionTest, SaysWhichOptionalLibrariesThisHostHas) {
  auto version = sandbox({"version"});
  ASSERT_EQ(version.exit_code, 0) << version.describe();
  for (const auto& [name, soname] :
       {std::pair{"ISA-L", "libisal.so.2"}, std::pair{"libsubid", "libsubid.so.4"}}) {
    auto line = line_after(version.out, std::string("  ") + name + " ");
    ASSERT_TRUE(line) << name << " is not listed:\n" << version.out;
    std::string state = loadable(soname) ? "found" : "not found";
    EXPECT_TRUE(std::regex_match(*line, std::regex(" *" + std::string(soname) + " +" + state)))
        << name << ": '" << *line << "', dlopen here says " << state;
  }
}

}  // namespace
}  // namespace sbx::it
