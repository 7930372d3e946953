// Rootless networking as the unprivileged test user, on loopback
// only: slirp4netns by default, host loopback through 10.0.2.2 only when
// allowed, published TCP and UDP ports, --network none, the /etc files, and
// no slirp4netns left behind.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "echo_client.hpp"
#include "run_fixture.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

// A socket bound to 127.0.0.1 (port 0: the kernel picks); -1 on failure.
int bound_socket(int type, uint16_t port = 0) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return -1;
  return fd;
}

uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A port that was free a moment ago.
uint16_t free_port(int type = SOCK_STREAM) {
  int fd = bound_socket(type);
  uint16_t port = port_of(fd);
  ::close(fd);
  return port;
}

// A one-page HTTP server on the host's 127.0.0.1 only, in a thread.
class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(std::string body) : body_(std::move(body)) {
    fd_ = bound_socket(SOCK_STREAM);
    ::listen(fd_, 8);
    port_ = port_of(fd_);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      char buf[2048];
      (void)!::read(c, buf, sizeof buf);
      std::string reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body_;
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
      ++requests_;
    }
  }
  std::string body_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// Sends `data` to 127.0.0.1:port over TCP and reads the same amount back ("" on failure).
std::string tcp_echo(uint16_t port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size())) {
    char buf[4096];
    for (ssize_t n; got.size() < data.size() && (n = ::read(fd, buf, sizeof buf)) > 0;)
      got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// Children of `parent` whose command is slirp4netns.
std::set<pid_t> slirp_children(pid_t parent) {
  std::set<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    size_t close = line.rfind(')');
    if (close == std::string::npos || !contains(line.substr(0, close), "(slirp4netns")) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) found.insert(std::stoi(name));
  }
  return found;
}

bool process_exists(pid_t pid) { return fs::exists("/proc/" + std::to_string(pid)); }

bool wait_until(const std::function<bool()>& condition, int tenths = 100) {
  for (int i = 0; i < tenths; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

class NetworkTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    SBX_REQUIRES(have_program("slirp4netns"), "slirp4netns (apt-get install slirp4netns)");
  }

  std::string busybox() const { return rig().image("test/busybox:latest"); }

  // `sandbox run --rm FLAGS payload ARGS` in the background, once it printed `ready_line`.
  std::unique_ptr<BackgroundRun> serve(const std::vector<std::string>& flags,
                                       const std::vector<std::string>& args,
                                       const std::string& ready_line = "listening") {
    std::vector<std::string> all{"run", "--rm"};
    all.insert(all.end(), flags.begin(), flags.end());
    all.push_back(payload());
    all.emplace_back("payload");
    all.insert(all.end(), args.begin(), args.end());
    auto bg = sandbox_background(all);
    bool ready =
        wait_until([&] { return contains(bg->out_so_far(), ready_line) || !bg->running(); });
    EXPECT_TRUE(ready && bg->running()) << bg->out_so_far() << bg->err_so_far();
    return bg;
  }

  // The host pid of a running container's init, from `inspect` (0 when not found).
  pid_t container_pid(const std::string& name) {
    auto inspect = sandbox({"inspect", name});
    size_t at = inspect.out.find("\"Pid\": ");
    return at == std::string::npos ? 0 : std::stoi(inspect.out.substr(at + 7));
  }
};

TEST_F(NetworkTest, HostLoopbackOnlyWhenAllowed) {
  LoopbackHttpServer server("hello from the host\n");
  std::string port = std::to_string(server.port());
  auto allowed = payload_run({"http-get", "10.0.2.2", port, "/"},
                             {"--network", "slirp4netns:allow_host_loopback=true"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.describe();
  EXPECT_EQ(allowed.out, "hello from the host\n");
  auto by_name = payload_run({"http-get", "host.containers.internal", port, "/"},
                             {"--network", "slirp4netns:allow_host_loopback=true"});
  EXPECT_EQ(by_name.exit_code, 0) << by_name.describe();
  EXPECT_EQ(by_name.out, "hello from the host\n");
  int served = server.requests();

  auto refused = payload_run({"http-get", "10.0.2.2", port, "/", "3"});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_TRUE(contains(refused.out, "error: E")) << refused.out;
  auto explicit_off = payload_run({"net-probe", "10.0.2.2", port, "3"},
                                  {"--network", "slirp4netns:allow_host_loopback=false"});
  EXPECT_EQ(explicit_off.exit_code, 1) << explicit_off.describe();
  EXPECT_EQ(server.requests(), served) << "a request reached the host's loopback";
}

TEST_F(NetworkTest, PublishedTcpPortAnswersFromTheHost) {
  uint16_t host_port = free_port();
  auto bg = serve({"-p", "127.0.0.1:" + std::to_string(host_port) + ":7000"},
                  {"echo-server", "7000", "1"});
  EXPECT_EQ(tcp_echo(host_port, "ping through slirp4netns"), "ping through slirp4netns");
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST_F(NetworkTest, TwoContainersPublishTheSameContainerPort) {
  uint16_t a = free_port(), b = free_port();
  ASSERT_NE(a, b);
  auto first = serve({"-p", std::to_string(a) + ":7000"}, {"echo-server", "7000", "1"});
  auto second = serve({"-p", std::to_string(b) + ":7000"}, {"echo-server", "7000", "1"});
  EXPECT_EQ(tcp_echo(b, "second"), "second");
  EXPECT_EQ(tcp_echo(a, "first"), "first");
  EXPECT_EQ(first->wait().exit_code, 0);
  EXPECT_EQ(second->wait().exit_code, 0);
}

// slirp4netns sees a client on the host's loopback as 10.0.2.2; the container's
// UDP answers to that address are dropped unless allow_host_loopback is on
// (libslirp translates them back to 127.0.0.1). TCP keeps its connected socket.
TEST_F(NetworkTest, UdpEchoThroughAPublishedPort) {
  uint16_t host_port = free_port(SOCK_DGRAM);
  auto bg = serve({"-p", std::to_string(host_port) + ":7001/udp", "--network",
                   "slirp4netns:allow_host_loopback=true"},
                  {"udp-echo", "7001", "1"});
  EXPECT_EQ(udp_echo("127.0.0.1", host_port, "datagram"), "datagram");
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST_F(NetworkTest, UdpEchoFromAHostAddressWithoutHostLoopback) {
  std::string address = host_ipv4();
  SBX_REQUIRES(!address.empty(), "a non-loopback IPv4 address on this host");
  uint16_t host_port = free_port(SOCK_DGRAM);
  auto bg = serve({"-p", std::to_string(host_port) + ":7001/udp"}, {"udp-echo", "7001", "1"});
  EXPECT_EQ(udp_echo(address, host_port, "datagram"), "datagram");
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

TEST_F(NetworkTest, NetworkNoneHasOnlyLoopbackAndItIsUp) {
  auto r = run({"--network", "none"}, busybox(),
               {"sh", "-c", "ls /sys/class/net; ip link show lo; cat /etc/resolv.conf"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("lo\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "tap0")) << r.out;
  EXPECT_TRUE(contains(r.out, "LOOPBACK,UP")) << r.out;
  // Nothing listens there, but lo is up: refused, not unreachable.
  auto probe = payload_run({"net-probe", "127.0.0.1", "9", "2"}, {"--network", "none"});
  EXPECT_EQ(probe.out, "error: ECONNREFUSED\n") << probe.describe();
}

TEST_F(NetworkTest, DefaultNetworkIsSlirp4netnsWithTap0) {
  auto r = run({}, busybox(), {"sh", "-c", "ls /sys/class/net; ip -4 addr show tap0"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "tap0\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "inet 10.0.2.100/24")) << r.out;
  EXPECT_TRUE(contains(r.out, "mtu 65520")) << r.out;
}

// enable_ipv6: slirp4netns announces fd00::/64 and tap0 takes an address from
// it (SLAAC, about 2 s); without the option no router ever answers.
TEST_F(NetworkTest, EnableIpv6GivesTap0AnFd00Address) {
  // Waits up to TENTHS/10 s for an fd00:: address on tap0.
  auto wait_for_fd00 = [](int tenths) {
    return "for i in $(seq " + std::to_string(tenths) +
           "); do grep -q '^fd00.* tap0$' /proc/net/if_inet6 && exit 0; sleep 0.1; done; "
           "cat /proc/net/if_inet6; exit 1";
  };
  auto on = run({"--network", "slirp4netns:enable_ipv6=true"}, busybox(),
                {"sh", "-c", wait_for_fd00(100)});
  EXPECT_EQ(on.exit_code, 0) << on.describe();
  auto off = run({}, busybox(), {"sh", "-c", wait_for_fd00(30)});  // the RA came in ~2 s above
  EXPECT_EQ(off.exit_code, 1) << off.describe();
  EXPECT_TRUE(contains(off.out, "tap0")) << off.out;  // link-local only
}

TEST_F(NetworkTest, HostsAndResolvConf) {
  auto r = run({"--hostname", "web", "--add-host", "db:10.0.2.50", "--network",
                "slirp4netns:allow_host_loopback=true"},
               busybox(), {"cat", "/etc/hosts", "/etc/resolv.conf"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "127.0.0.1\tlocalhost\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "10.0.2.100\tweb\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "10.0.2.2\thost.containers.internal")) << r.out;
  EXPECT_TRUE(contains(r.out, "10.0.2.50\tdb\n")) << r.out;
  std::ifstream host_resolv("/etc/resolv.conf");
  std::string host((std::istreambuf_iterator<char>(host_resolv)), {});
  bool host_has_ipv4 = false;
  std::istringstream lines(host);
  for (std::string line; std::getline(lines, line);) {
    in_addr a;
    if (line.starts_with("nameserver ") && inet_pton(AF_INET, line.substr(11).c_str(), &a) == 1)
      host_has_ipv4 = true;
  }
  if (host_has_ipv4) {
    EXPECT_TRUE(contains(r.out, "nameserver 10.0.2.3\n")) << r.out;
  }

  auto closed = run({"--dns", "192.0.2.53"}, busybox(), {"cat", "/etc/hosts", "/etc/resolv.conf"});
  ASSERT_EQ(closed.exit_code, 0) << closed.describe();
  EXPECT_FALSE(contains(closed.out, "host.containers.internal")) << closed.out;
  EXPECT_TRUE(contains(closed.out, "nameserver 192.0.2.53\n")) << closed.out;
  EXPECT_FALSE(contains(closed.out, "nameserver 10.0.2.3")) << closed.out;
}

TEST_F(NetworkTest, NoSlirp4netnsRemainsAfterTheContainerEnds) {
  auto bg = serve({}, {"wait-signal", "20"}, "ready");
  std::set<pid_t> slirps;
  wait_until([&] { return !(slirps = slirp_children(bg->pid())).empty(); }, 30);
  ASSERT_EQ(slirps.size(), 1u) << "no slirp4netns child of sandbox run " << bg->pid();
  bg->kill(SIGTERM);  // the container's init forwards it; the payload exits 0
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  for (pid_t pid : slirps) EXPECT_FALSE(process_exists(pid)) << "slirp4netns " << pid << " left";
}

TEST_F(NetworkTest, KilledSandboxTakesSlirp4netnsWithIt) {
  auto bg = serve({}, {"wait-signal", "20"}, "ready");
  std::set<pid_t> slirps;
  wait_until([&] { return !(slirps = slirp_children(bg->pid())).empty(); }, 30);
  ASSERT_EQ(slirps.size(), 1u);
  ::kill(bg->pid(), SIGKILL);  // only sandbox itself: no cleanup code runs
  bg->wait();
  for (pid_t pid : slirps)
    EXPECT_TRUE(wait_until([&] { return !process_exists(pid); }, 50)) << "slirp4netns " << pid;
}

TEST_F(NetworkTest, DetachedContainerPublishesAndPortShowsIt) {
  uint16_t host_port = free_port();
  std::string name = "net-" + unique_token();
  auto started = sandbox({"run", "-d", "--name", name, "-p", std::to_string(host_port) + ":7000",
                          "-p", "7001/udp", payload(), "payload", "echo-server", "7000"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  EXPECT_TRUE(wait_until([&] { return tcp_echo(host_port, "detached") == "detached"; }, 50));
  auto ports = sandbox({"port", name});
  EXPECT_EQ(ports.exit_code, 0) << ports.describe();
  EXPECT_TRUE(contains(ports.out, "7000/tcp -> 0.0.0.0:" + std::to_string(host_port) + "\n"))
      << ports.out;
  EXPECT_TRUE(contains(ports.out, "7001/udp -> 0.0.0.0:")) << ports.out;
  auto one = sandbox({"port", name, "7000"});
  EXPECT_EQ(one.out, "0.0.0.0:" + std::to_string(host_port) + "\n") << one.describe();
  auto removed = sandbox({"rm", "-f", name});
  EXPECT_EQ(removed.exit_code, 0) << removed.describe();
  // slirp4netns ended with the container: nothing listens on the port any more.
  EXPECT_TRUE(wait_until([&] { return tcp_echo(host_port, "x").empty(); }, 50));
  EXPECT_NE(sandbox({"port", name}).exit_code, 0);
}

// The slirp4netns whose target is `container_pid` (its last-but-one argument); 0 if none.
pid_t slirp_serving(pid_t container_pid) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::string> args;
    std::istringstream parts(text);
    for (std::string a; std::getline(parts, a, '\0');) args.push_back(a);
    if (args.size() > 2 && args[0].ends_with("slirp4netns") &&
        args[args.size() - 2] == std::to_string(container_pid))
      return std::stoi(entry.path().filename());
  }
  return 0;
}

TEST_F(NetworkTest, PsSaysSoWhenSlirp4netnsDiesUnderARunningContainer) {
  std::string name = "net-" + unique_token();
  auto started = sandbox({"run", "-d", "--name", name, busybox(), "sleep", "60"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  pid_t container = container_pid(name);
  ASSERT_GT(container, 0);
  pid_t slirp = slirp_serving(container);
  ASSERT_GT(slirp, 0) << "no slirp4netns for container pid " << container;
  EXPECT_FALSE(contains(sandbox({"ps"}).out, "network down"));
  ::kill(slirp, SIGKILL);
  EXPECT_TRUE(wait_until([&] { return contains(sandbox({"ps"}).out, "network down"); }, 30));
  EXPECT_EQ(sandbox({"rm", "-f", name}).exit_code, 0);
}

// tap0 is persistent: slirp4netns's exit then does not unregister it (which
// waits for the kernel's RCU grace periods, 15-20 ms); it goes with the
// container's network namespace.
TEST_F(NetworkTest, Tap0IsPersistentSoSlirp4netnsExitsWithoutRemovingIt) {
  SBX_REQUIRES(std::system("command -v nsenter >/dev/null && command -v ip >/dev/null") == 0,
               "nsenter and ip (util-linux, iproute2)");
  std::string name = "net-" + unique_token();
  auto started = sandbox({"run", "-d", "--name", name, busybox(), "sleep", "60"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  pid_t container = container_pid(name);
  ASSERT_GT(container, 0);
  std::string pid = std::to_string(container);
  // We own the container's user namespace, so we may enter it and its net namespace.
  std::string cmd = "nsenter -t " + pid + " -U -n --preserve-credentials ip -d link show tap0";
  std::string out;
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    ::pclose(pipe);
  }
  EXPECT_TRUE(contains(out, "persist on")) << cmd << ":\n" << out;
  EXPECT_EQ(sandbox({"rm", "-f", name}).exit_code, 0);
}

TEST_F(NetworkTest, HostPortInUseIsOneClearErrorAndLeavesNothing) {
  int taken = bound_socket(SOCK_STREAM);
  ASSERT_GE(taken, 0);
  ::listen(taken, 1);
  std::string port = std::to_string(port_of(taken));
  auto r = run({"-p", port + ":80"}, busybox(), {"true"});
  ::close(taken);
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "host port " + port + "/tcp is already in use")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: ")) << r.err;
  size_t left = 0;
  if (fs::exists(root() / "containers"))
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root() / "containers")) ++left;
  EXPECT_EQ(left, 0u) << "a container dir was left behind";
}

TEST_F(NetworkTest, PrivilegedHostPortExplainsTheSysctl) {
  std::ifstream sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  int start = 1024;
  sysctl >> start;
  SBX_REQUIRES(start > 80, "net.ipv4.ip_unprivileged_port_start above 80");
  auto r = run({"-p", "80:80"}, busybox(), {"true"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "net.ipv4.ip_unprivileged_port_start")) << r.err;
}

TEST_F(NetworkTest, BadNetworkFlagsAreRejectedBeforeAnythingStarts) {
  for (std::vector<std::string> flags : {std::vector<std::string>{"--network", "bridge"},
                                         {"--network", "none", "-p", "8080:80"},
                                         {"-p", "80/sctp"},
                                         {"--network", "slirp4netns:mtu=10"},
                                         {"--add-host", "nocolon"}}) {
    auto r = run(flags, busybox(), {"true"});
    EXPECT_EQ(r.exit_code, 125) << flags[1] << "\n" << r.describe();
    EXPECT_TRUE(r.err.starts_with("sandbox: ") || contains(r.err, "\nsandbox: ")) << r.err;
  }
}

}  // namespace
}  // namespace sbx::it
