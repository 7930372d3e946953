// `sandbox system check` finds a damaged store (a missing, truncated or changed file in a
// layer, a missing blob, an unreadable record), names the image it breaks and exits non-zero;
// `--repair` removes what is damaged so that the next pull restores it; leftovers of killed
// commands are reported and collected, not counted as damage.
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;

class StoreCheckTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES_IMAGE("test/bulk:latest");
    auto pulled = sandbox({"pull", "-q", bulk()});
    ASSERT_EQ(pulled.exit_code, 0) << pulled.describe();
  }

  static std::string bulk() { return rig().image("test/bulk:latest"); }

  // The image's record on disk.
  nlohmann::json record() {
    for (const auto& entry : fs::directory_iterator(root() / "images"))
      if (entry.path().filename() != "names.json")
        return nlohmann::json::parse(std::ifstream(entry.path()));
    return nullptr;
  }
  std::string top_layer() { return record()["layers"].back()["diff_id"].get<std::string>(); }
  fs::path diff_of(const std::string& diff_id) {
    return root() / "layers" / diff_id.substr(7) / "diff";
  }

  // Runs a shell command as root of the user namespace (the layer's files belong to
  // subordinate ids), on the first regular file of `diff_id`'s layer.
  void on_a_file(const std::string& diff_id, const std::string& command) {
    auto r =
        sandbox({"unshare", "sh", "-c", "f=$(find \"$1\" -type f | sort | head -n 1); " + command,
                 "x", diff_of(diff_id).native()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  RunResult check(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args{"system", "check"};
    args.insert(args.end(), flags.begin(), flags.end());
    return sandbox(args);
  }

  void expect_damaged_then_repaired(const std::string& diff_id) {
    auto damaged = check();
    EXPECT_EQ(damaged.exit_code, 1) << damaged.describe();
    EXPECT_TRUE(contains(damaged.out, "FAIL  layer " + diff_id)) << damaged.out;
    EXPECT_TRUE(contains(damaged.out, "breaks " + bulk())) << damaged.out;
    EXPECT_TRUE(contains(damaged.out, "The store is damaged")) << damaged.out;
    auto repaired = check({"--repair"});
    EXPECT_EQ(repaired.exit_code, 0) << repaired.describe();
    EXPECT_EQ(sandbox({"images", "-q"}).out, "");
    EXPECT_FALSE(fs::exists(diff_of(diff_id)));
    auto again = sandbox({"pull", "-q", bulk()});
    ASSERT_EQ(again.exit_code, 0) << again.describe();
    auto sound = check();
    EXPECT_EQ(sound.exit_code, 0) << sound.describe();
    EXPECT_TRUE(contains(sound.out, "The store is sound.")) << sound.out;
    auto files = sandbox(
        {"run", "--rm", "--network", "none", bulk(), "sh", "-c", "find /bulk -type f | wc -l"});
    EXPECT_EQ(files.out, "1200\n") << files.describe();
  }
};

TEST_F(StoreCheckTest, APulledStoreIsSound) {
  auto r = check();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "1 image(s), 5 layer(s)")) << r.out;
  EXPECT_TRUE(contains(r.out, "The store is sound.")) << r.out;
  auto full = check({"--full"});
  EXPECT_EQ(full.exit_code, 0) << full.describe();
  EXPECT_TRUE(contains(full.err, "verifying layer 5/5")) << full.err;  // progress, on stderr
  auto checked = check({"--format", "json"});
  auto j = nlohmann::json::parse(checked.out);
  EXPECT_FALSE(j["store_check"]["damaged"].get<bool>()) << checked.out;
  EXPECT_EQ(j["store_check"]["images"].get<int>(), 1) << checked.out;
}

TEST_F(StoreCheckTest, AMissingFileIsFoundAndRepaired) {
  std::string layer = top_layer();
  on_a_file(layer, "rm \"$f\"");
  expect_damaged_then_repaired(layer);
}

TEST_F(StoreCheckTest, ATruncatedFileIsFoundAndRepaired) {
  std::string layer = top_layer();
  on_a_file(layer, ": > \"$f\"");
  expect_damaged_then_repaired(layer);
}

// Same size, other bytes, same time: only --full reads the files.
TEST_F(StoreCheckTest, ChangedContentsNeedFull) {
  std::string layer = top_layer();
  on_a_file(layer,
            "t=$(stat -c %Y \"$f\"); printf X | dd of=\"$f\" bs=1 seek=7 conv=notrunc; "
            "touch -d @$t \"$f\"");
  EXPECT_EQ(check().exit_code, 0);
  auto full = check({"--full"});
  EXPECT_EQ(full.exit_code, 1) << full.describe();
  EXPECT_TRUE(contains(full.out, "has other contents")) << full.out;
  ASSERT_EQ(check({"--full", "--repair"}).exit_code, 0);
  EXPECT_EQ(sandbox({"images", "-q"}).out, "");
}

TEST_F(StoreCheckTest, AMissingBlobIsFound) {
  std::string blob = record()["layers"].back()["digest"].get<std::string>();
  fs::remove(root() / "blobs/sha256" / blob.substr(7));
  auto r = check();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(contains(r.out, "its blob " + blob + " is missing")) << r.out;
  EXPECT_EQ(check({"--repair"}).exit_code, 0);
  ASSERT_EQ(sandbox({"pull", "-q", bulk()}).exit_code, 0);
  EXPECT_TRUE(fs::exists(root() / "blobs/sha256" / blob.substr(7)));
  EXPECT_EQ(check().exit_code, 0);
}

TEST_F(StoreCheckTest, AnUnreadableRecordIsFoundAndRemoved) {
  std::string id = record()["id"].get<std::string>();
  std::ofstream(root() / "images" / (id.substr(7) + ".json")) << "{ not json";
  auto r = check();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_TRUE(contains(r.out, "FAIL  image " + bulk() + " (sha256:" + id.substr(7, 12))) << r.out;
  EXPECT_EQ(check({"--repair"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(root() / "images" / (id.substr(7) + ".json")));
  EXPECT_EQ(check().exit_code, 0);
}

// What killed commands leave is reported, is no damage, and --repair collects it.
TEST_F(StoreCheckTest, LeftoversAreReportedAndCollected) {
  fs::create_directories(root() / "layers" / std::string(64, 'a') / "diff.partial");
  fs::create_directories(root() / "tmp/trash/containers-x.1234");
  fs::create_directories(root() / "containers" / std::string(64, 'c'));
  auto r = check();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "warn  layers/")) << r.out;
  EXPECT_TRUE(contains(r.out, "interrupted unpack")) << r.out;
  EXPECT_TRUE(contains(r.out, "killed runs left")) << r.out;
  EXPECT_TRUE(contains(r.out, "The store is sound.")) << r.out;
  EXPECT_EQ(check({"--repair"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(root() / "layers" / std::string(64, 'a')));
  EXPECT_FALSE(fs::exists(root() / "containers" / std::string(64, 'c')));
  EXPECT_TRUE(fs::is_empty(root() / "tmp/trash") || !fs::exists(root() / "tmp/trash"));
  auto clean = check();
  EXPECT_FALSE(contains(clean.out, "warn  layers/")) << clean.out;
  EXPECT_EQ(sandbox({"images", "-q"}).out.empty(), false);  // the image is untouched
}

}  // namespace
}  // namespace sbx::it
