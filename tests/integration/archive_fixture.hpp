// Shared by archive_*_test.cpp and commit_test.cpp: a SandboxTest with
// subordinate ids, the rig's archives (tests/rig/images/archives.sh) and
// helpers to compare what the store holds before and after a failure.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace sbx::it {

class ArchiveTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    SBX_REQUIRES_SUBIDS();
  }

  static std::filesystem::path archives() {
    return std::filesystem::path(rig().values.count("RIG_DIR") ? rig().values.at("RIG_DIR")
                                                               : "/var/tmp/sandbox-rig") /
           "archives";
  }
  static std::string archive(const std::string& name) { return (archives() / name).native(); }
  // Skips unless tests/rig/images/archives.sh wrote `name`.
  static bool have_archive(const std::string& name) {
    return std::filesystem::exists(archives() / name);
  }

  // `sandbox load -i FILE` that must succeed; returns stdout.
  std::string load_ok(const std::string& file) {
    RunResult r = sandbox({"load", "-i", file});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  // The id printed as "Loaded image ID: sha256:..." (or empty).
  static std::string loaded_id(const std::string& out) {
    const std::string key = "Loaded image ID: ";
    size_t at = out.find(key);
    if (at == std::string::npos) return {};
    return out.substr(at + key.size(), out.find('\n', at) - at - key.size());
  }

  std::string image_id(const std::string& ref) {
    RunResult r = sandbox({"inspect", ref});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_array() && !doc.empty()) doc = doc[0];
    return doc.is_object() ? doc.value("Id", std::string()) : std::string();
  }

  std::string images_out() {
    RunResult r = sandbox({"images"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  // Names under <root>/DIR (blobs/sha256, layers, images, tmp).
  std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root() / dir, ec))
      names.insert(entry.path().filename().native());
    return names;
  }

  // Runs a shell command line as this user; returns {exit status, stdout}.
  static std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return {-1, out};
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  }

  // Member names of a tar file (GNU tar -t).
  static std::set<std::string> tar_members(const std::string& file) {
    auto [status, out] = shell("tar -tf '" + file + "'");
    EXPECT_EQ(status, 0) << out;
    std::set<std::string> members;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("./")) line.erase(0, 2);
      if (line.ends_with("/")) line.pop_back();
      if (!line.empty()) members.insert(line);
    }
    return members;
  }
};

}  // namespace sbx::it
