#include "sandbox/userns/child_report.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>

namespace sbx::userns {
namespace {

// What the worker sends, as the parent receives it: through a sync socket.
std::vector<SyncMessage> through_socket(const std::vector<SyncMessage>& sent) {
  auto pair = make_sync_pair();
  EXPECT_TRUE(pair);
  for (const SyncMessage& m : sent) EXPECT_EQ(send_sync(pair->child_end.get(), m), 0);
  pair->child_end.reset();
  std::vector<SyncMessage> received;
  for (;;) {
    auto r = receive_sync(pair->parent_end.get());
    EXPECT_TRUE(r);
    if (!r || !*r) return received;
    received.push_back((*r)->message);
  }
}

ChildReport report_of(const std::vector<SyncMessage>& sent) {
  ChildReport report;
  for (const SyncMessage& m : through_socket(sent)) EXPECT_TRUE(add_to_report(report, m));
  return report;
}

TEST(ChildReport, WarningsThenAnErrorWithErrnoAndHint) {
  Error error = Error("mount(/x): Permission denied", EACCES).with_hint("do this");
  ChildReport report = report_of(
      {make_sync_warning("first"), make_sync_warning("second\nline"), make_sync_failure(error)});
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_EQ(report.warnings[0], "first");
  EXPECT_EQ(report.warnings[1], "second\nline");
  ASSERT_TRUE(report.error);
  EXPECT_EQ(report.error->message(), "mount(/x): Permission denied");
  EXPECT_EQ(report.error->errno_value(), EACCES);
  EXPECT_EQ(report.error->hint(), "do this");
  EXPECT_FALSE(report.done);
}

TEST(ChildReport, DoneAlone) {
  ChildReport report = report_of({make_sync_message(SyncType::kDone)});
  EXPECT_TRUE(report.done);
  EXPECT_FALSE(report.error);
  EXPECT_TRUE(report.warnings.empty());
}

TEST(ChildReport, FailureAfterDoneIsTheExecsOwn) {
  ChildReport report = report_of({make_sync_message(SyncType::kDone),
                                  make_sync_failure(Error::from_errno("exec", "/bin/x", ENOENT))});
  EXPECT_TRUE(report.done);
  ASSERT_TRUE(report.error);
  EXPECT_EQ(report.error->errno_value(), ENOENT);
}

TEST(ChildReport, NothingIsAnEmptyReport) {
  ChildReport report = report_of({});
  EXPECT_FALSE(report.done);
  EXPECT_FALSE(report.error);
  EXPECT_TRUE(report.warnings.empty());
}

TEST(ChildReport, ErrorWithoutHintKeepsHintEmpty) {
  ChildReport report = report_of({make_sync_failure(Error("boom"))});
  ASSERT_TRUE(report.error);
  EXPECT_EQ(report.error->message(), "boom");
  EXPECT_EQ(report.error->hint(), "");
  EXPECT_EQ(report.error->errno_value(), 0);
}

TEST(ChildReport, RejectsTypesTheWorkerDoesNotSend) {
  ChildReport report;
  EXPECT_FALSE(add_to_report(report, make_sync_message(SyncType::kPtyMaster)));
  EXPECT_FALSE(add_to_report(report, make_sync_message(SyncType::kHostReady)));
  SyncMessage unknown = make_sync_message(SyncType::kDone);
  unknown.type = static_cast<SyncType>(77);
  EXPECT_FALSE(add_to_report(report, unknown));
}

}  // namespace
}  // namespace sbx::userns
