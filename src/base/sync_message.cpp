// Fixed-size messages between parent and child (see sync_message.hpp).
#include "sandbox/base/sync_message.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace sbx {

SyncMessage make_sync_message(SyncType type) noexcept {
  SyncMessage m;
  m.type = type;
  return m;
}

SyncMessage make_sync_error(int error_number, const char* step, const char* syscall,
                            const char* path) noexcept {
  SyncMessage m = make_sync_message(SyncType::kError);
  m.error_number = error_number;
  if (path)
    std::snprintf(m.text, sizeof m.text, "%s: %s(%s)", step, syscall, path);
  else
    std::snprintf(m.text, sizeof m.text, "%s: %s", step, syscall);
  return m;
}

bool is_command_exec_failure(const SyncMessage& message) noexcept {
  constexpr size_t kStep = sizeof SBX_SYNC_EXEC_COMMAND_STEP - 1;
  return message.type == SyncType::kError &&
         std::strncmp(message.text, SBX_SYNC_EXEC_COMMAND_STEP, kStep) == 0 &&
         message.text[kStep] == ':';
}

SyncMessage make_sync_failure(const Error& error) noexcept {
  SyncMessage m = make_sync_message(SyncType::kFailed);
  m.error_number = error.errno_value();
  // text = message '\0' hint '\0'; the zeroed text supplies the terminators.
  size_t message_size = std::min(error.message().size(), sizeof m.text - 2);
  std::memcpy(m.text, error.message().data(), message_size);
  size_t hint_size = std::min(error.hint().size(), sizeof m.text - 2 - message_size);
  std::memcpy(m.text + message_size + 1, error.hint().data(), hint_size);
  return m;
}

SyncMessage make_sync_warning(std::string_view text) noexcept {
  SyncMessage m = make_sync_message(SyncType::kWarning);
  constexpr std::string_view kCut = "...";
  if (text.size() < sizeof m.text) {
    std::memcpy(m.text, text.data(), text.size());
  } else {
    size_t kept = sizeof m.text - 1 - kCut.size();
    std::memcpy(m.text, text.data(), kept);
    std::memcpy(m.text + kept, kCut.data(), kCut.size());
  }
  return m;
}

std::string sync_text(const SyncMessage& message) {
  return std::string(message.text, strnlen(message.text, sizeof message.text));
}

Error sync_error_to_error(const SyncMessage& message) {
  size_t size = strnlen(message.text, sizeof message.text);
  std::string text(message.text, size);
  if (message.type == SyncType::kFailed) {
    Error error(std::move(text), message.error_number);
    if (size + 1 >= sizeof message.text) return error;
    const char* hint = message.text + size + 1;
    std::string hint_text(hint, strnlen(hint, sizeof message.text - size - 1));
    return hint_text.empty() ? error : std::move(error).with_hint(std::move(hint_text));
  }
  if (message.error_number != 0) text += std::string(": ") + std::strerror(message.error_number);
  return Error(std::move(text), message.error_number);
}

ssize_t send_with_fd(int socket, const void* data, size_t size, int fd) noexcept {
  iovec iov{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t n;
  do n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

int send_sync(int socket, const SyncMessage& message, int fd) noexcept {
  ssize_t n = send_with_fd(socket, &message, sizeof message, fd);
  if (n < 0) return static_cast<int>(n);
  return n == sizeof message ? 0 : -EMSGSIZE;
}

int receive_sync_raw(int socket, SyncMessage& message) noexcept {
  ssize_t n;
  do n = ::recv(socket, &message, sizeof message, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  if (n == 0) return -EPIPE;
  return n == sizeof message ? 0 : -EPROTO;
}

Result<SyncPair> make_sync_pair() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return fail_errno("socketpair", "sync");
  return SyncPair{UniqueFd(pair[0]), UniqueFd(pair[1])};
}

Result<std::optional<Received>> receive_sync(int socket) {
  Received r;
  iovec iov{&r.message, sizeof r.message};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail(Error::from_errno("recvmsg", "sync socket"));
  if (n == 0) return std::nullopt;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      r.fd.reset(fd);
    }
  }
  if (n != sizeof r.message)
    return fail("sync socket: short message of " + std::to_string(n) + " bytes");
  return std::optional<Received>(std::move(r));
}

}  // namespace sbx
