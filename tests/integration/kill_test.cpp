// SIGKILL at any moment loses nothing. Each command that changes the store (pull, load,
// commit, rmi, rm -f, run -d) is killed, as `kill -9 PID` would (its helpers live on), at
// several moments spread over its clean duration. Afterwards, read from disk:
//   - every recorded layer is whole: its files are those of a clean pull (tree digests taken
//     in the user namespace), and every listed image runs and shows the files it should;
//   - nothing half-made is listed, and the repeated command completes;
//   - no process of ours is left once the listed containers are removed (this test is the
//     subreaper of everything the command started), but the per-user pause process;
//   - everything the kill left can be collected: after removing all and pruning, the store
//     holds no layer, container, blob or trash.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kMoments = 6;

// What a command does and how the store is prepared for it.
struct Scenario {
  std::string name;
  // Before each kill (in a fresh store unless `reuse_store`).
  std::function<void(const fs::path& root)> prepare = [](const fs::path&) {};
  std::function<std::vector<std::string>()> command;
  // A repeated command "completes" when this accepts its result.
  std::function<bool(const RunResult&)> completed = [](const RunResult& r) {
    return r.exit_code == 0;
  };
  // After each moment's checks, when the store is reused: back to the prepared state.
  std::function<void(const fs::path& root)> reset = [](const fs::path&) {};
  bool reuse_store = false;
};

class KillTest : public LifecycleTest {
 protected:
  void SetUp() override {
    LifecycleTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/bulk:latest");
    // Orphans of a killed command become our children: we can see and count them.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }

  static std::string bulk() { return rig().image("test/bulk:latest"); }

  RunResult in(const fs::path& root, const std::vector<std::string>& args) {
    RunOptions options;
    options.root = root;
    return sandbox(args, options);
  }

  // The content of a layer as its files: names, types, modes, owners, sizes, link targets and
  // every file's sha256, read inside the user namespace (the files belong to subordinate ids).
  std::string tree_digest(const fs::path& dir) {
    std::string script =
        "cd \"$1\" && { find . -printf '%p %y %m %U %G %s %l\\n' | LC_ALL=C sort; "
        "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum; } | sha256sum";
    auto r = sandbox({"unshare", "sh", "-c", script, "digest", dir.native()});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.out;
  }

  // The image records on disk: id -> diff ids.
  static std::map<std::string, std::vector<std::string>> image_records(const fs::path& root) {
    std::map<std::string, std::vector<std::string>> records;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root / "images", ec)) {
      if (entry.path().filename() == "names.json" || entry.path().extension() != ".json") continue;
      auto j = nlohmann::json::parse(std::ifstream(entry.path()), nullptr, false);
      if (j.is_discarded()) {
        ADD_FAILURE() << "unreadable image record " << entry.path();
        continue;
      }
      std::vector<std::string>& layers = records[j["id"].get<std::string>()];
      for (const auto& layer : j["layers"]) layers.push_back(layer["diff_id"].get<std::string>());
    }
    return records;
  }

  static fs::path layer_dir(const fs::path& root, const std::string& diff_id) {
    return root / "layers" / diff_id.substr(std::string("sha256:").size());
  }

  // Every layer of a clean store, by diff id: what a kill may never change.
  void learn_layers(const fs::path& root) {
    for (const auto& [id, layers] : image_records(root))
      for (const std::string& diff_id : layers)
        if (!reference_.contains(diff_id))
          reference_[diff_id] = tree_digest(layer_dir(root, diff_id) / "diff");
  }

  // What a container of an image shows: "bulk DIGEST", "copy DIGEST" (committed images) and
  // "payload DIGEST" lines, each digest over the files below.
  std::map<std::string, std::string> files_seen(const fs::path& root, const std::string& image) {
    std::string script =
        "for d in bulk copy; do [ -d /$d ] && echo $d $(cd /$d && find . -type f | sort | "
        "xargs sha256sum | sha256sum); done; echo payload $(sha256sum < /usr/bin/payload)";
    auto r = in(root, {"run", "--rm", "--network", "none", image, "sh", "-c", script});
    EXPECT_EQ(r.exit_code, 0) << image << ": " << r.describe();
    std::map<std::string, std::string> seen;
    for (const std::string& line : lines(r.out)) {
      size_t space = line.find(' ');
      if (space != std::string::npos) seen[line.substr(0, space)] = line.substr(space + 1);
    }
    return seen;
  }

  // Every image here is test/bulk or a commit of a container that copied /bulk to /copy.
  void expect_bulk_files(const fs::path& root, const std::string& image) {
    auto seen = files_seen(root, image);
    if (expected_.empty()) expected_ = seen;
    EXPECT_EQ(seen["bulk"], expected_["bulk"]) << "image " << image;
    EXPECT_EQ(seen["payload"], expected_["payload"]) << "image " << image;
    if (seen.contains("copy")) {
      EXPECT_EQ(seen["copy"], expected_["bulk"]) << "image " << image;
    }
  }

  void expect_sound(const fs::path& root, const std::string& when) {
    SCOPED_TRACE(when);
    auto records = image_records(root);
    for (const auto& [id, layers] : records) {
      for (const std::string& diff_id : layers) {
        fs::path dir = layer_dir(root, diff_id);
        ASSERT_TRUE(fs::exists(dir / "layer.json") && fs::exists(dir / "diff"))
            << "image " << id << " lists layer " << diff_id << ", which is not whole";
        auto known = reference_.find(diff_id);
        if (known != reference_.end()) {
          EXPECT_EQ(tree_digest(dir / "diff"), known->second) << "layer " << diff_id << " changed";
        }
      }
      expect_bulk_files(root, id);
    }
    auto ps = in(root, {"ps", "-aq", "--no-trunc"});
    EXPECT_EQ(ps.exit_code, 0) << ps.describe();
    for (const std::string& id : lines(ps.out)) {
      auto inspected = in(root, {"inspect", id});
      EXPECT_EQ(inspected.exit_code, 0)
          << "listed container " << id << ": " << inspected.describe();
    }
  }

  static std::string describe_process(pid_t pid) {
    std::string base = "/proc/" + std::to_string(pid);
    std::ifstream in(base + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    std::error_code ec;
    return std::to_string(pid) + " (" + cmdline + ", exe " +
           fs::read_symlink(base + "/exe", ec).native() + ")";
  }

  // Our children but the pause processes (found from their pid files).
  std::vector<pid_t> live_orphans() {
    std::set<pid_t> pauses;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(runtime_dir(), ec)) {
      std::string name = entry.path().filename();
      pid_t pid = 0;
      if (name.starts_with("pause-") && (std::ifstream(entry.path()) >> pid)) pauses.insert(pid);
    }
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      pid_t pid = static_cast<pid_t>(std::atol(entry.path().filename().c_str()));
      if (pid <= 0 || pauses.contains(pid)) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      size_t close = text.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      pid_t ppid = 0;
      if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) != 2) continue;
      if (ppid == ::getpid() && state != 'Z') found.push_back(pid);
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }  // orphans that ended
    return found;
  }

  // Removes every listed container; then no process of ours may be left, and pruning must
  // leave the store empty: nothing the kill left is beyond collection.
  void expect_collectable(const fs::path& root) {
    auto ps = in(root, {"ps", "-aq", "--no-trunc"});
    for (const std::string& id : lines(ps.out)) in(root, {"rm", "-f", id});
    std::vector<pid_t> left;
    EXPECT_TRUE(eventually([&] { return (left = live_orphans()).empty(); }, 10s))
        << left.size() << " processes left, the first " << describe_process(left[0]);
    for (pid_t pid : left) ::kill(pid, SIGKILL);
    for (const std::string& id : lines(in(root, {"images", "-q", "--no-trunc"}).out))
      in(root, {"rmi", "-f", id});
    EXPECT_EQ(in(root, {"container", "prune"}).exit_code, 0);
    auto prune = in(root, {"image", "prune", "-a"});
    EXPECT_EQ(prune.exit_code, 0) << prune.describe();
    for (const char* sub : {"layers", "containers", "blobs/sha256", "tmp/trash", "tmp/blobs"}) {
      std::error_code ec;
      EXPECT_TRUE(!fs::exists(root / sub, ec) || fs::is_empty(root / sub, ec))
          << root / sub << " still holds something";
    }
  }

  void kill_at_moments(const Scenario& scenario) {
    // The clean run: its duration, and every layer it makes is the reference.
    fs::path clean = test_dir() / (scenario.name + "-clean");
    scenario.prepare(clean);
    learn_layers(clean);
    auto start = Clock::now();
    auto first = in(clean, scenario.command());
    auto duration = Clock::now() - start;
    ASSERT_TRUE(scenario.completed(first)) << first.describe();
    learn_layers(clean);
    expect_sound(clean, "the clean run");
    if (scenario.reuse_store) scenario.reset(clean);
    if (!scenario.reuse_store) expect_collectable(clean);
    fs::path root = clean;
    for (int moment = 1; moment <= kMoments; ++moment) {
      auto delay = duration * moment / (kMoments + 1);
      std::string when =
          scenario.name + " killed after " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()) +
          " ms";
      if (!scenario.reuse_store) {
        remove_store_root(root);
        root = test_dir() / (scenario.name + "-" + std::to_string(moment));
        scenario.prepare(root);
      }
      RunOptions options = options_for({});
      options.root = root;
      BackgroundRun run(scenario.command(), options);
      std::this_thread::sleep_for(delay);
      run.kill_main(SIGKILL);
      run.wait();
      expect_sound(root, when);
      auto again = in(root, scenario.command());
      EXPECT_TRUE(scenario.completed(again)) << when << ", then again: " << again.describe();
      expect_sound(root, when + ", then again");
      if (!scenario.reuse_store) expect_collectable(root);
      scenario.reset(root);
    }
    if (scenario.reuse_store) expect_collectable(root);
    remove_store_root(root);
  }

  // A detached container that copied the bulk files (~30 MB in its upper dir).
  void start_copier(const fs::path& root, const std::string& name) {
    auto r = in(root, {"run", "-d", "--network", "none", "--name", name, bulk(), "sh", "-c",
                       "cp -a /bulk /copy && touch /copied && exec payload sleep 600"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    ASSERT_TRUE(eventually([&] {
      return in(root, {"exec", name, "payload", "stat", "/copied"}).exit_code == 0;
    })) << "the copy did not finish";
  }

  std::map<std::string, std::string> reference_;  // diff id -> tree digest
  std::map<std::string, std::string> expected_;   // what a container of test/bulk shows
};

TEST_F(KillTest, Pull) {
  kill_at_moments({.name = "pull", .command = [] {
                     return std::vector<std::string>{"pull", "-q", bulk()};
                   }});
}

TEST_F(KillTest, Rmi) {
  Scenario rmi{.name = "rmi"};
  rmi.prepare = [&](const fs::path& root) {
    ASSERT_EQ(in(root, {"pull", "-q", bulk()}).exit_code, 0);
  };
  rmi.command = [] { return std::vector<std::string>{"rmi", bulk()}; };
  // Killed after it removed the image, a repeat finds none: that is done too.
  rmi.completed = [](const RunResult& r) {
    return r.exit_code == 0 || r.err.find("no such image") != std::string::npos;
  };
  // The reported bug: a pull after a killed rmi used a half-deleted layer.
  rmi.reset = [&](const fs::path& root) {
    ASSERT_EQ(in(root, {"pull", "-q", bulk()}).exit_code, 0);
    expect_sound(root, "a pull after the killed rmi");
  };
  rmi.reuse_store = true;
  kill_at_moments(rmi);
}

TEST_F(KillTest, Load) {
  fs::path archive = test_dir() / "bulk.tar";
  fs::path source = test_dir() / "source";
  ASSERT_EQ(in(source, {"pull", "-q", bulk()}).exit_code, 0);
  auto saved = in(source, {"save", "-o", archive.native(), bulk()});
  ASSERT_EQ(saved.exit_code, 0) << saved.describe();
  remove_store_root(source);
  kill_at_moments({.name = "load", .command = [archive] {
                     return std::vector<std::string>{"load", "-q", "-i", archive.native()};
                   }});
}

TEST_F(KillTest, Commit) {
  Scenario commit{.name = "commit"};
  commit.prepare = [&](const fs::path& root) { start_copier(root, "copier"); };
  commit.command = [] { return std::vector<std::string>{"commit", "copier", "committed:1"}; };
  commit.reset = [&](const fs::path& root) {
    in(root, {"rmi", "committed:1"});
    in(root, {"image", "prune"});
  };
  commit.reuse_store = true;
  kill_at_moments(commit);
}

TEST_F(KillTest, RmForce) {
  Scenario rm{.name = "rm"};
  rm.prepare = [&](const fs::path& root) { start_copier(root, "victim"); };
  rm.command = [] { return std::vector<std::string>{"rm", "-f", "victim"}; };
  rm.completed = [](const RunResult& r) {
    return r.exit_code == 0 || r.err.find("no such container") != std::string::npos;
  };
  kill_at_moments(rm);
}

TEST_F(KillTest, RunDetached) {
  Scenario run{.name = "run-d"};
  run.prepare = [&](const fs::path& root) {
    ASSERT_EQ(in(root, {"pull", "-q", bulk()}).exit_code, 0);
  };
  run.command = [] {
    return std::vector<std::string>{"run",  "-d",      "--network", "none",
                                    bulk(), "payload", "sleep",     "600"};
  };
  kill_at_moments(run);
}

}  // namespace
}  // namespace sbx::it
