// Published TCP ports on user networks go through sandbox-portfwd, one per
// user network namespace: bytes both ways and intact over a large transfer,
// many connections at once, a host port in use refused before the start, the
// port free again once its container is removed, the forwarder ended with
// the namespace.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "user_network_fixture.hpp"

namespace sbx::it {
namespace {

// A TCP connection to 127.0.0.1:port with a receive timeout (-1: failed).
int connect_loopback(uint16_t port, int timeout_seconds) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{timeout_seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  ::close(fd);
  return -1;
}

// Whether the test itself can bind 127.0.0.1:port (nobody holds it).
bool loopback_port_free(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return free;
}

// The bytes sent through the echo server: a simple generator, so that a
// lost, doubled or reordered block changes the checksum.
// A host port something else listens on (a free one the kernel picks); fd -1 when none.
struct ListeningLoopbackPort {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;
  ListeningLoopbackPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd, 1) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      close();
    else
      port = ntohs(a.sin_port);
  }
  ListeningLoopbackPort(const ListeningLoopbackPort&) = delete;
  ListeningLoopbackPort& operator=(const ListeningLoopbackPort&) = delete;
  ~ListeningLoopbackPort() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct StreamDigest {
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t bytes = 0;
  void add(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      hash ^= static_cast<unsigned char>(data[i]);
      hash *= 0x100000001b3ull;
    }
    bytes += n;
  }
};

using PortForwardTest = UserNetworkTest;

// 48 MiB to 127.0.0.1:port and back (the echo server): what was sent and
// what came back (count and FNV-1a).
std::pair<StreamDigest, StreamDigest> echo_large_transfer(uint16_t port) {
  int fd = connect_loopback(port, 60);
  if (fd < 0) return {};
  constexpr size_t kTotal = 48u << 20;
  StreamDigest sent;
  std::thread writer([&] {
    std::vector<char> block(64 * 1024);
    uint32_t x = 12345;
    for (size_t done = 0; done < kTotal; done += block.size()) {
      for (char& c : block) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
      }
      sent.add(block.data(), block.size());
      for (size_t off = 0; off < block.size();) {
        ssize_t n = ::write(fd, block.data() + off, block.size() - off);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
      }
    }
    ::shutdown(fd, SHUT_WR);
  });
  StreamDigest received;
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    received.add(buf.data(), static_cast<size_t>(n));
  }
  writer.join();
  ::close(fd);
  return {sent, received};
}

constexpr uint64_t kLargeTransferBytes = 48u << 20;

// 48 MiB out and back through the forwarder: the same bytes (count and
// FNV-1a) come back, so both directions carry data intact.
TEST_F(PortForwardTest, LargeTransferComesBackIntactBothWays) {
  ASSERT_EQ(sandbox({"network", "create", "bulk"}).exit_code, 0);
  uint16_t port = unused_loopback_port();
  start_server("srv", {"bulk"}, {"-p", "127.0.0.1:" + std::to_string(port) + ":8080"});
  ASSERT_EQ(echo_once_listening(port), "ping\n");
  EXPECT_GT(recorded_forwarder(), 0) << "no port forwarder recorded in the namespace's state";
  auto [sent, received] = echo_large_transfer(port);
  EXPECT_EQ(sent.bytes, kLargeTransferBytes);
  EXPECT_EQ(received.bytes, kLargeTransferBytes);
  EXPECT_EQ(received.hash, sent.hash);
  EXPECT_EQ(sandbox({"rm", "-f", "srv"}).exit_code, 0);
  EXPECT_FALSE(helpers_outlive_their_end()) << "a helper (holder, slirp4netns, forwarder) outlived";
}

// Eight connections open at once, each with its own message: the forwarder
// holds them all (the echo server answers them one after another), and each
// gets its own bytes back.
TEST_F(PortForwardTest, ConcurrentConnectionsEachGetTheirOwnBytes) {
  ASSERT_EQ(sandbox({"network", "create", "many"}).exit_code, 0);
  uint16_t port = unused_loopback_port();
  start_server("srv", {"many"}, {"-p", "127.0.0.1:" + std::to_string(port) + ":8080"});
  ASSERT_EQ(echo_once_listening(port), "ping\n");
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    int fd = connect_loopback(port, 30);
    ASSERT_GE(fd, 0) << "connection " << i;
    std::string message = "connection " + std::to_string(i) + "\n";
    ASSERT_EQ(::write(fd, message.data(), message.size()), static_cast<ssize_t>(message.size()));
    ::shutdown(fd, SHUT_WR);
    fds.push_back(fd);
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    std::string got;
    char buf[64];
    ssize_t n;
    while ((n = ::read(fds[i], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(fds[i]);
    EXPECT_EQ(got, "connection " + std::to_string(i) + "\n");
  }
  EXPECT_EQ(sandbox({"rm", "-f", "srv"}).exit_code, 0);
}

// Two containers publish through the one forwarder; removing one frees its
// host port at once (the test binds it) while the other's still forwards.
TEST_F(PortForwardTest, RemovedContainerFreesItsPortOthersKeepTheirs) {
  ASSERT_EQ(sandbox({"network", "create", "pair"}).exit_code, 0);
  uint16_t first = unused_loopback_port();
  uint16_t second = unused_loopback_port();
  ASSERT_NE(first, second);
  start_server("one", {"pair"}, {"-p", "127.0.0.1:" + std::to_string(first) + ":8080"});
  start_server("two", {"pair"}, {"-p", "127.0.0.1:" + std::to_string(second) + ":8080"});
  ASSERT_EQ(echo_once_listening(first), "ping\n");
  ASSERT_EQ(echo_once_listening(second), "ping\n");
  pid_t forwarder = recorded_forwarder();
  EXPECT_FALSE(loopback_port_free(first));
  auto listed = sandbox({"port", "two"});
  EXPECT_EQ(listed.out, "8080/tcp -> 127.0.0.1:" + std::to_string(second) + "\n")
      << listed.describe();
  ASSERT_EQ(sandbox({"rm", "-f", "one"}).exit_code, 0);
  EXPECT_TRUE(loopback_port_free(first)) << "host port " << first << " still held after rm";
  EXPECT_EQ(echo_through(second), "ping\n");
  EXPECT_EQ(recorded_forwarder(), forwarder) << "one forwarder serves the namespace";
  EXPECT_EQ(sandbox({"rm", "-f", "two"}).exit_code, 0);
  EXPECT_TRUE(loopback_port_free(second));
  EXPECT_FALSE(helpers_outlive_their_end());
}

// A host port something else listens on: a clear error, and no container runs.
TEST_F(PortForwardTest, PortInUseIsRefusedBeforeTheStart) {
  ASSERT_EQ(sandbox({"network", "create", "busy"}).exit_code, 0);
  ListeningLoopbackPort held;
  ASSERT_GE(held.fd, 0);
  std::string port = std::to_string(held.port);
  auto r = sandbox({"run", "-d", "--name", "late", "--network", "busy", "-p",
                    "127.0.0.1:" + port + ":8080", payload(), "payload", "echo-server", "8080"});
  held.close();
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "127.0.0.1:" + port + "/tcp is already in use")) << r.describe();
  EXPECT_TRUE(contains(r.err, "hint:")) << r.describe();
  auto running = sandbox({"ps", "-q"});
  EXPECT_EQ(running.out, "") << running.describe();
}

// The default network (a slirp4netns of the container's own): its TCP ports
// go through a sandbox-portfwd of its own too, in the container's user and
// network namespaces, ended with the container.
class DefaultNetworkForwardTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES(have_program("slirp4netns"), "slirp4netns (apt-get install slirp4netns)");
  }

  void start_default_server(const std::string& name, uint16_t port) {
    auto r =
        sandbox({"run", "-d", "--name", name, "-p", "127.0.0.1:" + std::to_string(port) + ":8080",
                 payload(), "payload", "echo-server", "8080"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  // The host pid of a running container's init, from `inspect` (0 when not found).
  pid_t init_pid_of(const std::string& name) {
    auto inspect = sandbox({"inspect", name});
    size_t at = inspect.out.find("\"Pid\": ");
    return at == std::string::npos ? 0 : std::stoi(inspect.out.substr(at + 7));
  }

  // The sandbox-portfwd whose parent is the monitor of the container with init `pid` (0:
  // none). By command lines and stat: the forwarder is not dumpable, so its ns links are
  // closed to us.
  static pid_t forwarder_of(pid_t pid) {
    auto read_all = [](const std::filesystem::path& path) {
      std::ifstream in(path);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    std::string monitor_arg = std::string("--pid\0", 6) + std::to_string(pid) + '\0';
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (read_all(entry.path() / "cmdline").rfind(std::string("sandbox-portfwd\0", 16), 0) != 0)
        continue;
      std::string stat = read_all(entry.path() / "stat");
      size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      pid_t parent = 0;
      if (std::sscanf(stat.c_str() + close + 1, " %*c %d", &parent) != 1) continue;
      if (contains(read_all("/proc/" + std::to_string(parent) + "/cmdline"), monitor_arg))
        return std::stoi(name);
    }
    return 0;
  }

  // Whether `pid` still runs (a zombie does not count), given a moment to end.
  static bool still_runs(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
      if (!process_runs(pid)) return false;
      ::usleep(50 * 1000);
    }
    return true;
  }
};

// 48 MiB both ways, intact, through the container's own forwarder, which the
// container cannot see; it and the host port are gone once the container is removed.
TEST_F(DefaultNetworkForwardTest, LargeTransferIntactAndPortFreedByRm) {
  uint16_t port = unused_loopback_port();
  start_default_server("srv", port);
  ASSERT_EQ(echo_once_listening(port), "ping\n");
  pid_t forwarder = forwarder_of(init_pid_of("srv"));
  EXPECT_GT(forwarder, 0) << "no sandbox-portfwd under the container's monitor";
  if (forwarder > 0) {
    // Outside the container's pid namespace: no /proc entry to ptrace it or read its fds by.
    auto seen = sandbox({"exec", "srv", "payload", "stat", "/proc/" + std::to_string(forwarder)});
    EXPECT_NE(seen.exit_code, 0) << "the forwarder is visible in the container: "
                                 << seen.describe();
    auto sane = sandbox({"exec", "srv", "payload", "stat", "/proc/1"});
    EXPECT_EQ(sane.exit_code, 0) << sane.describe();
  }
  auto [sent, received] = echo_large_transfer(port);
  EXPECT_EQ(sent.bytes, kLargeTransferBytes);
  EXPECT_EQ(received.bytes, kLargeTransferBytes);
  EXPECT_EQ(received.hash, sent.hash);
  auto listed = sandbox({"port", "srv"});
  EXPECT_EQ(listed.out, "8080/tcp -> 127.0.0.1:" + std::to_string(port) + "\n")
      << listed.describe();
  ASSERT_EQ(sandbox({"rm", "-f", "srv"}).exit_code, 0);
  EXPECT_TRUE(loopback_port_free(port)) << "host port " << port << " still held after rm";
  if (forwarder > 0) {
    EXPECT_FALSE(still_runs(forwarder)) << "the forwarder outlived its container";
  }
}

// A foreground run --rm: the port answers, and is free once the run returns.
TEST_F(DefaultNetworkForwardTest, RunRmFreesThePort) {
  uint16_t port = unused_loopback_port();
  auto bg = sandbox_background({"run", "--rm", "-p", "127.0.0.1:" + std::to_string(port) + ":8080",
                                payload(), "payload", "echo-server", "8080", "1"});
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(loopback_port_free(port)) << "host port " << port << " still held after run --rm";
}

// A host port something else listens on: the clear error, and nothing runs.
TEST_F(DefaultNetworkForwardTest, PortInUseIsRefusedBeforeTheStart) {
  ListeningLoopbackPort held;
  ASSERT_GE(held.fd, 0);
  std::string port = std::to_string(held.port);
  auto r = sandbox({"run", "-d", "--name", "late", "-p", "127.0.0.1:" + port + ":8080", payload(),
                    "payload", "echo-server", "8080"});
  held.close();
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "127.0.0.1:" + port + "/tcp is already in use")) << r.describe();
  EXPECT_TRUE(contains(r.err, "hint:")) << r.describe();
  EXPECT_EQ(sandbox({"ps", "-q"}).out, "");
}

// `restart`: the old forwarder goes with the old container, a new one serves
// the same host port.
TEST_F(DefaultNetworkForwardTest, PortWorksAgainAfterRestart) {
  uint16_t port = unused_loopback_port();
  start_default_server("srv", port);
  ASSERT_EQ(echo_once_listening(port), "ping\n");
  pid_t before = forwarder_of(init_pid_of("srv"));
  auto restarted = sandbox({"restart", "srv"});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.describe();
  EXPECT_EQ(echo_once_listening(port), "ping\n");
  pid_t after = forwarder_of(init_pid_of("srv"));
  EXPECT_GT(after, 0);
  EXPECT_NE(after, before);
  if (before > 0) {
    EXPECT_FALSE(still_runs(before)) << "the old forwarder outlived the restart";
  }
  EXPECT_EQ(sandbox({"rm", "-f", "srv"}).exit_code, 0);
  EXPECT_TRUE(loopback_port_free(port));
}

}  // namespace
}  // namespace sbx::it
