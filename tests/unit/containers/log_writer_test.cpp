// ctr.log records as a foreground run writes them, read back by `logs`.
#include "sandbox/containers/log_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"

namespace sbx::containers {
namespace {

constexpr const char* kTime = "2026-01-02T03:04:05.000000001Z";

TEST(LogWriter, OneRecordPerLineTheLastPieceUnfinished) {
  EXPECT_EQ(format_log_records(kTime, false, "one\ntwo\npart"),
            std::string(kTime) + " stdout F one\n" + kTime + " stdout F two\n" + kTime +
                " stdout P part\n");
  EXPECT_EQ(format_log_records(kTime, true, "\n"), std::string(kTime) + " stderr F \n");
  EXPECT_EQ(format_log_records(kTime, true, ""), "");
}

TEST(LogWriter, RecordsReadBackAsTheyWereWritten) {
  std::string text = format_log_records(kTime, true, "a b  c\nrest");
  auto nl = text.find('\n');
  auto first = parse_log_record(std::string_view(text).substr(0, nl));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->time, kTime);
  EXPECT_TRUE(first->is_stderr);
  EXPECT_FALSE(first->partial);
  EXPECT_EQ(first->text, "a b  c");
  auto second = parse_log_record(std::string_view(text).substr(nl + 1, text.size() - nl - 2));
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->partial);
  EXPECT_EQ(second->text, "rest");
}

TEST(LogWriter, AppendsAndNeverFollowsALink) {
  auto dir = std::filesystem::temp_directory_path() / ("log-writer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto log = LogWriter::open(dir / "ctr.log");
    ASSERT_TRUE(log) << log.error().message();
    log->write(false, "x\n");
    log->write(true, "y\n");
  }
  auto text = read_file(dir / "ctr.log");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find(" stdout F x\n"), std::string::npos) << *text;
  EXPECT_NE(text->find(" stderr F y\n"), std::string::npos) << *text;
  std::filesystem::create_symlink(dir / "elsewhere", dir / "link.log");
  auto linked = LogWriter::open(dir / "link.log");
  EXPECT_FALSE(linked);
  EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sbx::containers
