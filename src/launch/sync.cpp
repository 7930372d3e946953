// Fixed-size messages over the parent/child socketpair (see sync.hpp).
#include "sync.hpp"

#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace sbx::launch {

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

Error sync_error_to_error(const SyncMessage& message) {
  std::string text(message.text, strnlen(message.text, sizeof message.text));
  if (message.error_number != 0) text += std::string(": ") + std::strerror(message.error_number);
  return Error(std::move(text), message.error_number);
}

int send_sync(int socket, const SyncMessage& message, int fd) noexcept {
  iovec iov{const_cast<SyncMessage*>(&message), sizeof message};
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
  if (n < 0) return -errno;
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

}  // namespace sbx::launch
