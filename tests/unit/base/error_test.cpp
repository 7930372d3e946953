#include "sandbox/base/error.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"

namespace sbx {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return fail("not positive", EINVAL);
  return value;
}

Result<int> doubled(int value) {
  int checked = SBX_TRY_CTX(parse_positive(value), "double " + std::to_string(value));
  return checked * 2;
}

TEST(Error, TryPassesValuesAndAddsContext) {
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "double -1: not positive");
  EXPECT_EQ(bad.error().errno_value(), EINVAL);
}

TEST(Error, FromErrnoNamesVerbPathAndReason) {
  auto error = Error::from_errno("open", "/nope", ENOENT);
  EXPECT_EQ(error.message(), "open(/nope): No such file or directory");
}

TEST(Error, KindIsKeptApartFromErrnoAndSurvivesContext) {
  Error plain("mount failed", EPERM);
  EXPECT_EQ(plain.kind(), Error::Kind::kOther);
  Error missing = Error("no such image: x", Error::Kind::kNotFound).context("run");
  EXPECT_EQ(missing.kind(), Error::Kind::kNotFound);
  EXPECT_EQ(missing.errno_value(), 0);
  EXPECT_EQ(missing.message(), "run: no such image: x");
}

TEST(Error, HintOnItselfKeepsMessage) {
  Error error("mount failed", EPERM);
  error = std::move(error).with_hint("try --storage-driver vfs");
  EXPECT_EQ(error.message(), "mount failed");
  EXPECT_EQ(error.hint(), "try --storage-driver vfs");
  error = std::move(error).context("run");
  EXPECT_EQ(error.message(), "run: mount failed");
  EXPECT_EQ(error.hint(), "try --storage-driver vfs");
}

TEST(Files, AtomicWriteReplacesWholeFile) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir) << dir.error().message();
  auto path = dir->path() / "f";
  ASSERT_TRUE(write_file_atomic(path, "old"));
  ASSERT_TRUE(write_file_atomic(path, "new contents", 0600));
  EXPECT_EQ(*read_file(path), "new contents");
  auto missing = read_file(dir->path() / "missing");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("missing"), std::string::npos);
}

TEST(Files, TempDirIsRemoved) {
  std::filesystem::path kept;
  {
    auto dir = TempDir::create();
    ASSERT_TRUE(dir);
    kept = dir->path();
    ASSERT_TRUE(make_dirs(kept / "a/b/c"));
  }
  EXPECT_FALSE(path_exists(kept));
}

TEST(Files, RemoveTreeOpensUpOwnDirsWithoutPermissions) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto work = dir->path() / "work/work";
  ASSERT_TRUE(make_dirs(work / "inner"));
  ASSERT_TRUE(write_file_atomic(work / "inner/f", "x"));
  ASSERT_EQ(::chmod(work.c_str(), 0), 0);  // as overlayfs leaves it
  ASSERT_TRUE(remove_tree(dir->path() / "work"));
  EXPECT_FALSE(path_exists(dir->path() / "work"));
}

// As a run's background collector and an rmi's collect emptying the trash at
// once: each remover meets files the other took first (ENOENT mid-walk).
TEST(Files, TwoProcessesRemovingOneTreeBothSucceed) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  std::filesystem::path tree = dir->path() / "trash";
  for (int round = 0; round < 5; ++round) {
    for (int d = 0; d < 40; ++d) {
      std::filesystem::path sub = tree / ("d" + std::to_string(d)) / "sub";
      ASSERT_TRUE(make_dirs(sub));
      for (int f = 0; f < 30; ++f) ASSERT_TRUE(write_file_atomic(sub / std::to_string(f), "x"));
    }
    pid_t other = ::fork();
    ASSERT_GE(other, 0);
    auto removed = remove_tree(tree);
    if (other == 0) ::_exit(removed ? 0 : 1);
    int status = 0;
    ASSERT_EQ(::waitpid(other, &status, 0), other);
    EXPECT_TRUE(removed) << "round " << round << ": " << removed.error().message();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
    EXPECT_FALSE(path_exists(tree));
  }
}

TEST(Process, RunCheckedReportsHelperStatusAndStderr) {
  auto ok = run_checked({"sh", "-c", "cat; echo err >&2"}, {.stdin_data = "in"});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->out, "in");
  auto bad = run_checked({"sh", "-c", "echo 'boom happened' >&2; exit 3"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "sh exited with status 3: boom happened");
  auto missing = run_command({"no-such-program-xyz"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().errno_value(), ENOENT);
}

TEST(Process, StartedCommandRunsWhileTheCallerGoesOn) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto go = (dir->path() / "go").string();
  // It waits for a file only the caller makes after start_command returned.
  auto started = start_command(
      {"sh", "-c", "while [ ! -e \"$1\" ]; do sleep 0.01; done; echo done; echo late >&2; exit 4",
       "sh", go});
  ASSERT_TRUE(started) << started.error().message();
  std::ofstream(go).put('\n');
  auto finished = started->finish_checked();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().message(), "sh exited with status 4: late");
}

TEST(Process, LockIsExclusive) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir);
  auto first = FileLock::acquire(dir->path() / "lock", FileLock::Mode::kExclusive);
  ASSERT_TRUE(first && first->holds());
  auto second = FileLock::try_acquire(dir->path() / "lock", FileLock::Mode::kExclusive);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->holds());
}

}  // namespace
}  // namespace sbx
