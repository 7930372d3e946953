// TCP from inside: connect to HOST PORT, or serve an echo on PORT. Names are looked up in
// /etc/hosts only: a static binary has no NSS, and the tests use loopback and host names the
// sandbox writes itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "payload.hpp"

namespace sbx::payload {
namespace {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

bool parse_numeric(const char* host, long port, Address* out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof *v6;
    return true;
  }
  return false;
}

// First /etc/hosts address listing NAME.
bool lookup_hosts_file(const char* name, long port, Address* out) {
  FILE* file = std::fopen("/etc/hosts", "re");
  if (file == nullptr) return false;
  char line[1024];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, file) != nullptr) {
    char* hash = std::strchr(line, '#');
    if (hash != nullptr) *hash = '\0';
    char* save = nullptr;
    char* address = strtok_r(line, " \t\n", &save);
    if (address == nullptr) continue;
    while (char* alias = strtok_r(nullptr, " \t\n", &save)) {
      if (std::strcmp(alias, name) == 0) {
        found = parse_numeric(address, port, out);
        break;
      }
    }
  }
  std::fclose(file);
  return found;
}

// Non-blocking connect bounded by timeout_ms; returns 0 or an errno value.
int connect_with_timeout(const Address& address, int timeout_ms) {
  int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno;
  int result = 0;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    result = errno;
    if (result == EINPROGRESS) {
      struct pollfd wait_for = {fd, POLLOUT, 0};
      int ready = poll(&wait_for, 1, timeout_ms);
      if (ready == 0) {
        result = ETIMEDOUT;
      } else if (ready < 0) {
        result = errno;
      } else {
        socklen_t size = sizeof result;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &size);
      }
    }
  }
  close(fd);
  return result;
}

// net-probe HOST PORT [TIMEOUT_S]: "connected" (exit 0) or "error: ECONNREFUSED" (exit 1).
int run_net_probe(std::span<char* const> args) {
  long port = 0;
  long timeout = 3;
  if (args.size() < 2 || args.size() > 3 || !parse_long(args[1], &port) || port > 65535 ||
      (args.size() == 3 && !parse_long(args[2], &timeout))) {
    return usage_error("net-probe", "HOST PORT [TIMEOUT_SECONDS]");
  }
  Address address;
  if (!parse_numeric(args[0], port, &address) && !lookup_hosts_file(args[0], port, &address)) {
    std::printf("error: unresolved %s\n", args[0]);
    return kExitFailed;
  }
  int result = connect_with_timeout(address, static_cast<int>(timeout * 1000));
  if (result != 0) {
    std::printf("error: %s\n", errno_name(result));
    return kExitFailed;
  }
  std::printf("connected\n");
  return kExitOk;
}

void echo_connection(int client) {
  char buffer[4096];
  for (;;) {
    ssize_t got = read(client, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    for (ssize_t done = 0; done < got;) {
      ssize_t put = write(client, buffer + done, static_cast<size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) return;
      done += put;
    }
  }
}

// echo-server PORT [CONNECTIONS]: listens on all IPv4 addresses, prints "listening PORT", and
// echoes each connection (one at a time) until EOF; forever unless CONNECTIONS is given.
int run_echo_server(std::span<char* const> args) {
  long port = 0;
  long connections = -1;
  if (args.empty() || args.size() > 2 || !parse_long(args[0], &port) || port > 65535 ||
      (args.size() == 2 && !parse_long(args[1], &connections))) {
    return usage_error("echo-server", "PORT [CONNECTIONS]");
  }
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) return report_failure("socket", errno);
  int on = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return report_failure("bind", errno);
  }
  if (listen(server, 16) != 0) return report_failure("listen", errno);
  std::printf("listening %ld\n", port);
  std::fflush(stdout);
  for (long served = 0; connections < 0 || served < connections; ++served) {
    int client = accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR) continue;
      return report_failure("accept", errno);
    }
    echo_connection(client);
    close(client);
  }
  close(server);
  return kExitOk;
}

// udp-echo PORT [DATAGRAMS]: binds 0.0.0.0, prints "listening PORT", sends each datagram back.
int run_udp_echo(std::span<char* const> args) {
  long port = 0;
  long datagrams = -1;
  if (args.empty() || args.size() > 2 || !parse_long(args[0], &port) || port > 65535 ||
      (args.size() == 2 && !parse_long(args[1], &datagrams))) {
    return usage_error("udp-echo", "PORT [DATAGRAMS]");
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return report_failure("socket", errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return report_failure("bind", errno);
  }
  std::printf("listening %ld\n", port);
  std::fflush(stdout);
  char buffer[65536];
  for (long served = 0; datagrams < 0 || served < datagrams;) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    ssize_t got =
        recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return report_failure("recvfrom", errno);
    sendto(fd, buffer, static_cast<size_t>(got), 0, reinterpret_cast<sockaddr*>(&peer),
           peer_length);
    ++served;
  }
  close(fd);
  return kExitOk;
}

// http-get HOST PORT PATH [TIMEOUT_S]: an HTTP/1.0 GET; prints the body and exits 0 on a 2xx,
// else prints "status N" or "error: ECONNREFUSED" and exits 1.
int run_http_get(std::span<char* const> args) {
  long port = 0;
  long timeout = 5;
  if (args.size() < 3 || args.size() > 4 || !parse_long(args[1], &port) || port > 65535 ||
      (args.size() == 4 && !parse_long(args[3], &timeout))) {
    return usage_error("http-get", "HOST PORT PATH [TIMEOUT_SECONDS]");
  }
  Address address;
  if (!parse_numeric(args[0], port, &address) && !lookup_hosts_file(args[0], port, &address)) {
    std::printf("error: unresolved %s\n", args[0]);
    return kExitFailed;
  }
  int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return report_failure("socket", errno);
  timeval limit{timeout, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    std::printf("error: %s\n", errno_name(errno));
    return kExitFailed;
  }
  char request[1024];
  int length = std::snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
                             args[2], args[0]);
  if (write(fd, request, static_cast<size_t>(length)) != length)
    return report_failure("write", errno);
  static char reply[1 << 20];
  size_t used = 0;
  for (ssize_t got; used < sizeof reply && (got = read(fd, reply + used, sizeof reply - used)) > 0;)
    used += static_cast<size_t>(got);
  close(fd);
  int status = 0;
  std::sscanf(reply, "HTTP/%*s %d", &status);
  const char* body = static_cast<const char*>(memmem(reply, used, "\r\n\r\n", 4));
  if (status < 200 || status > 299 || body == nullptr) {
    std::printf("status %d\n", status);
    return kExitFailed;
  }
  body += 4;
  fwrite(body, 1, used - static_cast<size_t>(body - reply), stdout);
  return kExitOk;
}

constexpr std::array<CommandEntry, 4> kCommands = {{
    {"net-probe", "HOST PORT [TIMEOUT_SECONDS] (TCP connect)", run_net_probe},
    {"echo-server", "PORT [CONNECTIONS] (TCP echo on 0.0.0.0)", run_echo_server},
    {"udp-echo", "PORT [DATAGRAMS] (UDP echo on 0.0.0.0)", run_udp_echo},
    {"http-get", "HOST PORT PATH [TIMEOUT_SECONDS] (HTTP/1.0 GET, prints the body)", run_http_get},
}};

}  // namespace

std::span<const CommandEntry> net_commands() { return kCommands; }

}  // namespace sbx::payload
