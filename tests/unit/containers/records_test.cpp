// Container records and derived status, in a temp store (no namespaces).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/containers/lifecycle.hpp"
#include "sandbox/containers/records.hpp"

namespace sbx::containers {
namespace {

namespace fs = std::filesystem;

class ContainerStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create();
    ASSERT_TRUE(dir) << dir.error().message();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    // A private runtime root for the test (runtime_root() honours an owned XDG_RUNTIME_DIR).
    ASSERT_TRUE(make_dirs(dir_->path() / "run", 0700));
    saved_xdg_ = std::getenv("XDG_RUNTIME_DIR") ? std::getenv("XDG_RUNTIME_DIR") : "";
    ::setenv("XDG_RUNTIME_DIR", (dir_->path() / "run").c_str(), 1);
    auto opened = Containers::open(dir_->path() / "store");
    ASSERT_TRUE(opened) << opened.error().message();
    containers_ = std::make_unique<Containers>(std::move(*opened));
  }
  void TearDown() override {
    if (saved_xdg_.empty())
      ::unsetenv("XDG_RUNTIME_DIR");
    else
      ::setenv("XDG_RUNTIME_DIR", saved_xdg_.c_str(), 1);
  }

  // A container as run leaves it before the start: name, config.json, meta.json.
  std::string make_container(const std::string& id, const std::string& name,
                             const std::string& created = "2026-01-01T00:00:00Z") {
    ContainerSpec spec;
    spec.argv = {"sleep", "1"};
    auto claimed = containers_->claim_name(id, name);
    EXPECT_TRUE(claimed) << claimed.error().message();
    spec.name = claimed.value_or("");
    EXPECT_TRUE(containers_->write_config(id, spec, {"busybox", created, ""}));
    return spec.name;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Containers> containers_;
  std::string saved_xdg_;
};

const std::string kId1(64, 'a');
const std::string kId2 = std::string(63, 'a') + "b";
const std::string kId3(64, 'c');

TEST_F(ContainerStateTest, ResolvesFullIdNameAndUniquePrefix) {
  make_container(kId1, "web");
  make_container(kId3, "db");
  EXPECT_EQ(containers_->resolve(kId1).value_or(""), kId1);
  EXPECT_EQ(containers_->resolve("web").value_or(""), kId1);
  EXPECT_EQ(containers_->resolve("/db").value_or(""), kId3);
  EXPECT_EQ(containers_->resolve("ccc").value_or(""), kId3);
}

TEST_F(ContainerStateTest, UnknownAndAmbiguousNamesSayWhatWasAsked) {
  make_container(kId1, "web");
  make_container(kId2, "api");
  auto missing = containers_->resolve("nosuch");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "no such container: nosuch");
  auto ambiguous = containers_->resolve("aaa");
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message().find("multiple containers match"), std::string::npos);
  EXPECT_FALSE(containers_->resolve("../x"));
  EXPECT_FALSE(containers_->resolve(""));
}

TEST_F(ContainerStateTest, NamesAreUniqueAndValidated) {
  make_container(kId1, "web");
  auto taken = containers_->claim_name(kId2, "web");
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message().find("already in use"), std::string::npos);
  EXPECT_FALSE(containers_->claim_name(kId2, "bad name"));
  EXPECT_FALSE(containers_->claim_name(kId2, "-x"));
  // Re-claiming its own name (rename to the same) is fine.
  EXPECT_TRUE(containers_->claim_name(kId1, "web"));
}

TEST_F(ContainerStateTest, GeneratedNamesAreValidAndDistinct) {
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    std::string id = std::string(60, 'd') + std::to_string(1000 + i);
    names.insert(make_container(id, ""));
  }
  EXPECT_EQ(names.size(), 20u);
  for (const auto& n : names) {
    EXPECT_TRUE(valid_container_name(n)) << n;
    EXPECT_NE(n.find('_'), std::string::npos) << n;
  }
}

TEST_F(ContainerStateTest, StatusFollowsTheFiles) {
  make_container(kId1, "web");
  EXPECT_EQ(containers_->info(kId1)->status, ContainerStatus::kCreated);

  // Running: a live pid with its start time (ours).
  ASSERT_TRUE(containers_->mark_started(kId1, now_rfc3339()));
  RuntimeState state;
  state.pid = ::getpid();
  state.pid_start_time = process_start_time(::getpid());
  state.monitor_pid = ::getpid();
  ASSERT_TRUE(containers_->write_runtime_state(kId1, state));
  EXPECT_EQ(containers_->info(kId1)->status, ContainerStatus::kRunning);

  // The same pid with another start time is a reused pid: not ours.
  state.pid_start_time += 1;
  ASSERT_TRUE(containers_->write_runtime_state(kId1, state));
  EXPECT_EQ(containers_->info(kId1)->status, ContainerStatus::kUnknown);

  // The end recorded.
  ASSERT_TRUE(containers_->write_exit(kId1, {3, false, now_rfc3339()}));
  ASSERT_TRUE(containers_->remove_runtime_state(kId1));
  auto info = containers_->info(kId1);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, ContainerStatus::kExited);
  EXPECT_EQ(info->exit->exit_code, 3);

  // A new start drops the old end.
  ASSERT_TRUE(containers_->mark_started(kId1, now_rfc3339()));
  EXPECT_FALSE(containers_->info(kId1)->exit);
}

TEST_F(ContainerStateTest, StartedWithoutStateIsUnknown) {
  // A reboot empties the runtime dir: started once, end never recorded.
  make_container(kId1, "web");
  ASSERT_TRUE(containers_->mark_started(kId1, now_rfc3339()));
  EXPECT_EQ(containers_->info(kId1)->status, ContainerStatus::kUnknown);
}

TEST_F(ContainerStateTest, ListIsNewestFirstAndSkipsHalfMadeDirs) {
  make_container(kId1, "old", "2026-01-01T00:00:00Z");
  make_container(kId3, "new", "2026-02-01T00:00:00Z");
  ASSERT_TRUE(make_dirs(dir_->path() / "store/containers" / kId2, 0700));  // no config.json
  auto list = containers_->list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "new");
  EXPECT_EQ((*list)[1].name, "old");
}

TEST_F(ContainerStateTest, RemoveDeletesBothPlaces) {
  make_container(kId1, "web");
  ASSERT_TRUE(containers_->write_runtime_state(kId1, RuntimeState{}));
  ASSERT_TRUE(containers_->remove(kId1, [](const fs::path& p) { return remove_tree(p); }));
  EXPECT_FALSE(path_exists(containers_->store_dir(kId1)));
  EXPECT_FALSE(path_exists(containers_->runtime_dir(kId1)));
  EXPECT_FALSE(containers_->resolve("web"));
}

TEST_F(ContainerStateTest, StoresAreIsolatedByKey) {
  make_container(kId1, "web");
  auto other = Containers::open(dir_->path() / "other-store");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->resolve("web"));
  EXPECT_NE(other->runtime_dir(kId1), containers_->runtime_dir(kId1));
  EXPECT_EQ(store_key("/a/b"), store_key("/a/b"));
  EXPECT_NE(store_key("/a/b"), store_key("/a/c"));
}

TEST_F(ContainerStateTest, RuntimeDirIsPrivate) {
  ASSERT_TRUE(containers_->write_runtime_state(kId1, RuntimeState{}));
  struct stat st;
  ASSERT_EQ(::stat(containers_->runtime_dir(kId1).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  EXPECT_EQ(st.st_uid, ::getuid());
  auto root = runtime_root();
  ASSERT_TRUE(root);
  ASSERT_EQ(::stat(root->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST_F(ContainerStateTest, ConcurrentNameClaimsGiveOneWinner) {
  std::atomic<int> won{0};
  // Each claimer holds its container's lock to the end, as a run holds it
  // until its config.json is written.
  std::vector<std::optional<FileLock>> creating(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      std::string id = std::string(63, 'e') + std::to_string(i);
      if (auto lock = containers_->lock(id)) creating[i] = std::move(*lock);
      if (creating[i] && containers_->claim_name(id, "same")) ++won;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
}

// A dir without config.json whose lock nobody holds was left by a killed run:
// its name is free again and it goes to the trash; one being made stays.
TEST_F(ContainerStateTest, AbandonedDirsGoToTheTrashAndFreeTheirName) {
  const std::string abandoned(64, 'a'), making(64, 'b'), claimer(64, 'c');
  {
    auto lock = containers_->lock(abandoned);
    ASSERT_TRUE(containers_->claim_name(abandoned, "taken"));
  }  // killed before config.json
  auto making_lock = containers_->lock(making);
  ASSERT_TRUE(containers_->claim_name(making, "busy"));
  auto claimed = containers_->claim_name(claimer, "taken");
  ASSERT_TRUE(claimed) << claimed.error().message();
  EXPECT_FALSE(path_exists(containers_->store_dir(abandoned)));
  EXPECT_EQ(containers_->trash().size(), 1u);
  EXPECT_FALSE(containers_->claim_name(claimer, "busy"));  // still being made: not free
  EXPECT_TRUE(path_exists(containers_->store_dir(making)));
  auto collected = containers_->collect_abandoned();
  ASSERT_TRUE(collected);
  EXPECT_EQ(*collected, 1u);  // the claimer's dir: its lock is free, it has no config.json
  EXPECT_TRUE(path_exists(containers_->store_dir(making)));
}

}  // namespace
}  // namespace sbx::containers
