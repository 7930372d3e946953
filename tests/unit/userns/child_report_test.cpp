#include "sandbox/userns/child_report.hpp"

#include <gtest/gtest.h>

namespace sbx::userns {
namespace {

TEST(ChildReport, RoundTripsWarningsAndError) {
  Error error = Error("mount(/x): Permission denied", EACCES).with_hint("do this");
  std::string bytes =
      encode_warning("first") + encode_warning(std::string("a\0b\n", 4)) + encode_error(error);
  auto report = decode_child_report(bytes);
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->warnings.size(), 2u);
  EXPECT_EQ(report->warnings[0], "first");
  EXPECT_EQ(report->warnings[1], std::string("a\0b\n", 4));
  ASSERT_TRUE(report->error);
  EXPECT_EQ(report->error->message(), "mount(/x): Permission denied");
  EXPECT_EQ(report->error->errno_value(), EACCES);
  EXPECT_EQ(report->error->hint(), "do this");
  EXPECT_FALSE(report->done);
}

TEST(ChildReport, DoneAndExecFlags) {
  auto done = decode_child_report(encode_done());
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->done);
  EXPECT_FALSE(done->error);
  auto exec = decode_child_report(encode_exec());
  ASSERT_TRUE(exec);
  EXPECT_TRUE(exec->exec_sent);
  EXPECT_FALSE(exec->done);
}

TEST(ChildReport, EmptyStreamIsAnEmptyReport) {
  auto report = decode_child_report("");
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->done);
  EXPECT_TRUE(report->warnings.empty());
}

TEST(ChildReport, RejectsTruncatedAndUnknownRecords) {
  std::string bytes = encode_warning("hello");
  for (size_t cut = 1; cut < bytes.size(); ++cut)
    EXPECT_FALSE(decode_child_report(bytes.substr(0, cut))) << cut;
  EXPECT_FALSE(decode_child_report(std::string("Z\0\0\0\0", 5)));
  std::string error = encode_error(Error("x", 1));
  error[1] = static_cast<char>(error[1] - 1);  // payload shorter than its fields claim
  EXPECT_FALSE(decode_child_report(error.substr(0, error.size() - 1)));
}

TEST(ChildReport, ErrorWithoutHintKeepsHintEmpty) {
  auto report = decode_child_report(encode_error(Error("boom")));
  ASSERT_TRUE(report && report->error);
  EXPECT_EQ(report->error->hint(), "");
  EXPECT_EQ(report->error->errno_value(), 0);
}

}  // namespace
}  // namespace sbx::userns
