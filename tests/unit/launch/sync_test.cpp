#include "sync.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>

namespace sbx::launch {
namespace {

TEST(SyncMessage, ErrorTextNamesStepSyscallAndPath) {
  auto m = make_sync_error(ENOENT, "mount rootfs", "mount", "/x/merged");
  EXPECT_EQ(m.type, SyncType::kError);
  EXPECT_STREQ(m.text, "mount rootfs: mount(/x/merged)");
  Error e = sync_error_to_error(m);
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_EQ(e.message(), std::string("mount rootfs: mount(/x/merged): ") + std::strerror(ENOENT));
  EXPECT_STREQ(make_sync_error(EPERM, "switch user", "setgroups", nullptr).text,
               "switch user: setgroups");
}

TEST(SyncMessage, LongTextIsTruncatedNotOverflowed) {
  std::string path(2000, 'a');
  auto m = make_sync_error(EINVAL, "step", "mount", path.c_str());
  EXPECT_EQ(strnlen(m.text, sizeof m.text), sizeof m.text - 1);
}

class SyncSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    a_.reset(pair[0]);
    b_.reset(pair[1]);
  }
  UniqueFd a_, b_;
};

TEST_F(SyncSocket, MessagesRoundTrip) {
  ASSERT_EQ(send_sync(a_.get(), make_sync_message(SyncType::kWaitingForHost)), 0);
  auto r = receive_sync(b_.get());
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->message.type, SyncType::kWaitingForHost);
  EXPECT_FALSE((*r)->fd);

  ASSERT_EQ(send_sync(b_.get(), make_sync_message(SyncType::kHostReady)), 0);
  SyncMessage raw;
  ASSERT_EQ(receive_sync_raw(a_.get(), raw), 0);
  EXPECT_EQ(raw.type, SyncType::kHostReady);
}

TEST_F(SyncSocket, CarriesAnFd) {
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(file);
  ASSERT_EQ(send_sync(a_.get(), make_sync_message(SyncType::kPtyMaster), file.get()), 0);
  auto r = receive_sync(b_.get());
  ASSERT_TRUE(r && *r);
  ASSERT_TRUE((*r)->fd);
  struct stat x, y;
  ASSERT_EQ(::fstat(file.get(), &x), 0);
  ASSERT_EQ(::fstat((*r)->fd.get(), &y), 0);
  EXPECT_EQ(x.st_rdev, y.st_rdev);
  EXPECT_TRUE(::fcntl((*r)->fd.get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(SyncSocket, EofIsNoMessage) {
  a_.reset();
  auto r = receive_sync(b_.get());
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  SyncMessage raw;
  EXPECT_EQ(receive_sync_raw(b_.get(), raw), -EPIPE);
}

}  // namespace
}  // namespace sbx::launch
