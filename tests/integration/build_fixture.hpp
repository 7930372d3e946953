// The BuildTest fixture of the `sandbox build` integration tests: a context
// directory per test, the rig's busybox image pulled, helpers to build and run.
// Not in an anonymous namespace: gtest needs one fixture type per suite across files.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace sbx::it {

namespace fs = std::filesystem;

class BuildTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_SUBIDS();
    SBX_REQUIRES_IMAGE("test/busybox:latest");
    RunResult pull = sandbox({"pull", "-q", base()});
    ASSERT_EQ(pull.exit_code, 0) << pull.describe();
    context_ = test_dir() / "context";
    fs::create_directories(context_);
  }
  static std::string base() { return rig().image("test/busybox:latest"); }

  void write(const std::string& rel, const std::string& text) {
    fs::path path = context_ / rel;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // `sandbox build --network none ARGS... CONTEXT`.
  RunResult build(std::vector<std::string> args) {
    std::vector<std::string> all{"build", "--network", "none"};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back(context_.native());
    return sandbox(all);
  }
  // `sandbox build -q --network none [ARGS...] -` with `data` on stdin.
  RunResult build_stdin(const std::string& data, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"build", "-q", "--network", "none"};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("-");
    RunOptions in;
    in.stdin_data = data;
    return sandbox(all, in);
  }
  RunResult run_image(const std::string& image, const std::string& script) {
    return sandbox({"run", "--rm", "--network", "none", image, "/bin/sh", "-c", script});
  }
  // The last line of a build's stdout: the image id.
  static std::string last_line(const std::string& out) {
    std::string text = out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text.substr(text.rfind('\n') + 1);
  }
  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  nlohmann::json config_of(const std::string& image) {
    RunResult r = sandbox({"inspect", image});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_array() && !doc.empty()) doc = doc[0];
    return doc.is_object() ? doc : nlohmann::json::object();
  }

  // Runs a python3 script with the context directory as argv[1] (tars made with tarfile).
  void python_in_context(const std::string& script) {
    std::ofstream(test_dir() / "script.py") << script;
    std::string command =
        "python3 " + (test_dir() / "script.py").native() + " " + context_.native();
    ASSERT_EQ(std::system(command.c_str()), 0) << script;
  }
  // The bytes of a file in the context.
  std::string read_context(const std::string& rel) {
    std::ifstream in(context_ / rel, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  fs::path context_;
};

}  // namespace sbx::it
