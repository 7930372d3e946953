// A host-side client for the payload's `echo-server`: what a published port
// answers from the host. Shared by the network tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace sbx::it {

// Sends "ping\n" to 127.0.0.1:port and returns what comes back ("" on failure).
inline std::string echo_through(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::write(fd, "ping\n", 5) == 5) {
    char buf[16];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// echo_through, retried while a server that was just started may not listen yet (a bound for
// its start, not a speed check).
inline std::string echo_once_listening(uint16_t port) {
  std::string got;
  for (int i = 0; i < 40 && got.empty(); ++i) {
    if (i > 0) ::usleep(250 * 1000);
    got = echo_through(port);
  }
  return got;
}

}  // namespace sbx::it
