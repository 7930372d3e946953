#include "sandbox/base/sync_message.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>

namespace sbx {
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

// init's report that the command could not be exec'd (126/127) against every
// other error of the same type.
TEST(SyncMessage, TellsACommandsExecFailureFromSandboxsOwn) {
  EXPECT_TRUE(is_command_exec_failure(
      make_sync_error(ENOENT, SBX_SYNC_EXEC_COMMAND_STEP, "execve", "/nonexistent")));
  EXPECT_FALSE(is_command_exec_failure(make_sync_error(ENOENT, "mount rootfs", "mount", "/x")));
  EXPECT_FALSE(is_command_exec_failure(make_sync_error(ENOENT, "exec commander", "execve", "/x")));
  auto other_type = make_sync_error(ENOENT, SBX_SYNC_EXEC_COMMAND_STEP, "execve", "/x");
  other_type.type = SyncType::kFailed;
  EXPECT_FALSE(is_command_exec_failure(other_type));
}

TEST(SyncMessage, LongTextIsTruncatedNotOverflowed) {
  std::string path(10000, 'a');
  auto m = make_sync_error(EINVAL, "step", "mount", path.c_str());
  EXPECT_EQ(strnlen(m.text, sizeof m.text), sizeof m.text - 1);
}

TEST(SyncMessage, IsOnePipeBufSoAPipeWriteIsAtomic) {
  EXPECT_EQ(sizeof(SyncMessage), size_t{PIPE_BUF});
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  SyncMessage sent = make_sync_error(EACCES, SBX_SYNC_EXEC_COMMAND_STEP, "execve", "/bin/x");
  ASSERT_EQ(::write(write_end.get(), &sent, sizeof sent), static_cast<ssize_t>(sizeof sent));
  sbx_sync_wire received;  // what helpers/init reads
  ASSERT_EQ(::read(read_end.get(), &received, sizeof received),
            static_cast<ssize_t>(sizeof received));
  EXPECT_EQ(received.type, uint32_t{SBX_SYNC_ERROR});
  EXPECT_EQ(received.error_number, EACCES);
  EXPECT_STREQ(received.text, "exec command: execve(/bin/x)");
}

TEST(SyncMessage, FailureCarriesAWholeErrorWithHint) {
  Error sent = Error("network: slirp4netns exited with status 1", EPERM).with_hint("check it");
  SyncMessage m = make_sync_failure(sent);
  EXPECT_EQ(m.type, SyncType::kFailed);
  Error e = sync_error_to_error(m);
  EXPECT_EQ(e.message(), sent.message());  // no strerror appended: it is whole
  EXPECT_EQ(e.hint(), "check it");
  EXPECT_EQ(e.errno_value(), EPERM);

  Error plain = sync_error_to_error(make_sync_failure(Error("no hint here")));
  EXPECT_EQ(plain.message(), "no hint here");
  EXPECT_EQ(plain.hint(), "");
  EXPECT_EQ(plain.errno_value(), 0);
}

TEST(SyncMessage, FailureIsCutToFitHintFirst) {
  std::string hint = "a hint";
  std::string almost(SBX_SYNC_TEXT_SIZE - 2 - 3, 'm');
  Error e = sync_error_to_error(make_sync_failure(Error(almost).with_hint(hint)));
  EXPECT_EQ(e.message(), almost);
  EXPECT_EQ(e.hint(), "a h");

  std::string huge(3 * SBX_SYNC_TEXT_SIZE, 'm');
  e = sync_error_to_error(make_sync_failure(Error(huge).with_hint(hint)));
  EXPECT_EQ(e.message(), huge.substr(0, SBX_SYNC_TEXT_SIZE - 2));
  EXPECT_EQ(e.hint(), "");
}

TEST(SyncMessage, UnterminatedTextIsReadWithinTheMessage) {
  SyncMessage m = make_sync_message(SyncType::kFailed);
  std::memset(m.text, 'x', sizeof m.text);  // a hostile or broken sender
  Error e = sync_error_to_error(m);
  EXPECT_EQ(e.message().size(), sizeof m.text);
  EXPECT_EQ(e.hint(), "");
  m.type = SyncType::kError;
  EXPECT_EQ(sync_error_to_error(m).message().size(), sizeof m.text);
}

TEST(SyncMessage, WarningCarriesItsText) {
  SyncMessage m = make_sync_warning("layer 3: cannot keep xattr user.x on /a/b");
  EXPECT_EQ(m.type, SyncType::kWarning);
  EXPECT_EQ(m.error_number, 0);
  EXPECT_EQ(sync_text(m), "layer 3: cannot keep xattr user.x on /a/b");
  EXPECT_EQ(sync_text(make_sync_warning("")), "");
}

TEST(SyncMessage, LongWarningIsCutAndSaysSo) {
  std::string exact(SBX_SYNC_TEXT_SIZE - 1, 'w');  // fits with its NUL
  EXPECT_EQ(sync_text(make_sync_warning(exact)), exact);

  std::string long_text(SBX_SYNC_TEXT_SIZE + 100, 'w');
  std::string cut = sync_text(make_sync_warning(long_text));
  EXPECT_EQ(cut.size(), size_t{SBX_SYNC_TEXT_SIZE} - 1);
  EXPECT_EQ(cut.substr(0, cut.size() - 3), long_text.substr(0, cut.size() - 3));
  EXPECT_EQ(cut.substr(cut.size() - 3), "...");
}

TEST(SyncMessage, TextStopsAtTheMessagesEnd) {
  SyncMessage m = make_sync_message(SyncType::kWarning);
  std::memset(m.text, 'x', sizeof m.text);  // no NUL at all
  EXPECT_EQ(sync_text(m).size(), sizeof m.text);
}

TEST(SyncMessage, NewTypesHaveTheirWireValues) {
  EXPECT_EQ(static_cast<uint32_t>(SyncType::kWarning), uint32_t{SBX_SYNC_WARNING});
  EXPECT_EQ(static_cast<uint32_t>(SyncType::kDone), uint32_t{SBX_SYNC_DONE});
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

TEST_F(SyncSocket, DoneThenEofIsTheLaunchersSuccess) {
  ASSERT_EQ(send_sync(a_.get(), make_sync_message(SyncType::kDone)), 0);
  a_.reset();  // what execve does to a close-on-exec end
  auto done = receive_sync(b_.get());
  ASSERT_TRUE(done && *done);
  EXPECT_EQ((*done)->message.type, SyncType::kDone);
  auto eof = receive_sync(b_.get());
  ASSERT_TRUE(eof);
  EXPECT_FALSE(*eof);
}

TEST_F(SyncSocket, WarningsThenFailureRoundTrip) {
  // The userns worker's report: warnings, then an Error with errno and hint.
  ASSERT_EQ(send_sync(a_.get(), make_sync_warning("one")), 0);
  ASSERT_EQ(send_sync(a_.get(), make_sync_warning("two")), 0);
  Error sent = Error("unpack layer 2: mkdir(/x): No space left on device", ENOSPC)
                   .with_hint("free some space");
  ASSERT_EQ(send_sync(a_.get(), make_sync_failure(sent)), 0);
  a_.reset();
  for (const char* warning : {"one", "two"}) {
    auto r = receive_sync(b_.get());
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->message.type, SyncType::kWarning);
    EXPECT_EQ(sync_text((*r)->message), warning);
  }
  auto failed = receive_sync(b_.get());
  ASSERT_TRUE(failed && *failed);
  EXPECT_EQ((*failed)->message.type, SyncType::kFailed);
  Error e = sync_error_to_error((*failed)->message);
  EXPECT_EQ(e.message(), sent.message());
  EXPECT_EQ(e.errno_value(), ENOSPC);
  EXPECT_EQ(e.hint(), "free some space");
  auto eof = receive_sync(b_.get());
  ASSERT_TRUE(eof);
  EXPECT_FALSE(*eof);
}

TEST_F(SyncSocket, ErrorWithErrnoRoundTrips) {
  // The namespace holder's failure: kError with unshare's errno.
  ASSERT_EQ(send_sync(a_.get(), make_sync_error(ENOSPC, "namespace holder", "unshare", nullptr)),
            0);
  auto r = receive_sync(b_.get());
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->message.type, SyncType::kError);
  EXPECT_EQ((*r)->message.error_number, ENOSPC);
  EXPECT_EQ(sync_text((*r)->message), "namespace holder: unshare");
  Error e = sync_error_to_error((*r)->message);
  EXPECT_EQ(e.errno_value(), ENOSPC);
  EXPECT_EQ(e.message(), std::string("namespace holder: unshare: ") + std::strerror(ENOSPC));
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
}  // namespace sbx
