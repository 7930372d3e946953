// A host-side client for the payload's `echo-server`: what a published port
// answers from the host, over TCP and UDP. Shared by the network tests.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
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

// UDP: sends `data` to address:port until an answer comes (slirp may drop the first ones).
inline std::string udp_echo(const std::string& address, uint16_t port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  std::string got;
  for (int attempt = 0; attempt < 20 && got.empty(); ++attempt) {
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 250) != 1) continue;
    char buf[2048];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// A non-loopback IPv4 address of this host ("" when it has none).
inline std::string host_ipv4() {
  ifaddrs* list = nullptr;
  std::string found;
  if (::getifaddrs(&list) != 0) return found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK))
      continue;
    char text[INET_ADDRSTRLEN];
    auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace sbx::it
