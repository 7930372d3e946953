// Shared by the lifecycle_*_test.cpp files: detached containers of the
// payload image, polling helpers, and a teardown that removes every container
// of the test's store (so no monitor outlives a test).
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "run_fixture.hpp"

namespace sbx::it {

// RunTest's requirements (subordinate ids, the rig's payload image) and payload().
class LifecycleTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    ready_ = !IsSkipped();
  }
  void TearDown() override {
    if (ready_) {
      auto ids = sandbox({"ps", "-aq", "--no-trunc"});
      std::vector<std::string> rm{"rm", "-f"};
      for (const auto& id : lines(ids.out)) rm.push_back(id);
      if (rm.size() > 2) sandbox(rm);
    }
    RunTest::TearDown();
  }

  // `VERB... --network none FLAGS... payload ARGS...` (VERB: {"run", "-d"} or
  // {"create"}); the printed id (asserted 64 hex).
  std::string make_container(const std::vector<std::string>& verb,
                             const std::vector<std::string>& flags,
                             const std::vector<std::string>& args) {
    std::vector<std::string> all = verb;
    all.insert(all.end(), {"--network", "none"});
    all.insert(all.end(), flags.begin(), flags.end());
    all.push_back(payload());
    all.insert(all.end(), args.begin(), args.end());
    auto r = sandbox(all);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::string id = r.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    EXPECT_EQ(id.size(), 64u) << r.describe();
    return id;
  }
  std::string run_detached(const std::vector<std::string>& flags,
                           const std::vector<std::string>& args) {
    return make_container({"run", "-d"}, flags, args);
  }
  std::string create(const std::vector<std::string>& flags, const std::vector<std::string>& args) {
    return make_container({"create"}, flags, args);
  }

  // `inspect NAME` parsed (the first document); null on failure.
  nlohmann::json inspect(const std::string& name) {
    auto r = sandbox({"inspect", name});
    if (r.exit_code != 0) return nullptr;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty()) return nullptr;
    return j[0];
  }

  std::string status_of(const std::string& name) {
    auto j = inspect(name);
    return j.is_null() ? "" : j["State"]["Status"].get<std::string>();
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
      if (nl > start) out.push_back(text.substr(start, nl - start));
    if (start < text.size()) out.push_back(text.substr(start));
    return out;
  }

  // Polls `done` every 50 ms up to `timeout`.
  static bool eventually(const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

 private:
  bool ready_ = false;
};

}  // namespace sbx::it
