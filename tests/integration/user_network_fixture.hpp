// The fixture of the user network tests (user_network_test.cpp,
// port_forward_test.cpp): echo servers on networks, probes, and the pids of
// the per-user namespace's helpers in this test's state file.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "echo_client.hpp"
#include "run_fixture.hpp"

namespace sbx::it {

inline std::string_view trim_newline(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

class UserNetworkTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    for (const char* p : {"/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"})
      if (::access(p, X_OK) == 0) return;
    GTEST_SKIP() << "requires: netavark and aardvark-dns (apt-get install netavark)";
  }

  // A detached echo server named `name` on `networks`.
  void start_server(const std::string& name, const std::vector<std::string>& networks,
                    const std::vector<std::string>& more = {}) {
    std::vector<std::string> args{"run", "-d", "--name", name};
    for (const auto& n : networks) args.insert(args.end(), {"--network", n});
    args.insert(args.end(), more.begin(), more.end());
    args.insert(args.end(), {payload(), "payload", "echo-server", "8080"});
    auto r = sandbox(args);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  RunResult probe(const std::vector<std::string>& networks, const std::string& host) {
    std::vector<std::string> flags;
    for (const auto& n : networks) flags.insert(flags.end(), {"--network", n});
    return payload_run({"net-probe", host, "8080", "3"}, flags);
  }

  // The address `container` has on `network` (from network inspect).
  std::string address_of(const std::string& network, const std::string& container) {
    auto r = sandbox({"network", "inspect", network});
    size_t at = r.out.find("\"name\": \"" + container + "\"");
    if (at == std::string::npos) return "";
    size_t ip = r.out.rfind("\"ip\": \"", at);
    if (ip == std::string::npos) return "";
    ip += 7;
    return r.out.substr(ip, r.out.find('"', ip) - ip);
  }

  // The pids of the namespace holder and slirp4netns in this test's namespace state file
  // ({0, 0} when there is none). Only this test's store: tests running at the same time have
  // namespaces of their own, whose helpers are theirs to end.
  std::pair<pid_t, pid_t> recorded_helpers() {
    uint64_t hash = 0xcbf29ce484222325ull;  // net::user_netns_dir's key (FNV-1a of the root)
    for (unsigned char c : std::filesystem::absolute(root()).lexically_normal().string()) {
      hash ^= c;
      hash *= 0x100000001b3ull;
    }
    char key[17];
    std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(hash));
    std::ifstream state(runtime_dir() / (std::string("netns-") + key) / "state");
    pid_t holder = 0, slirp = 0, forwarder = 0;
    unsigned long long a, b, c;
    if (!(state >> holder >> a >> slirp >> b)) return {0, 0};
    if (!(state >> forwarder >> c)) forwarder = 0;
    recorded_forwarder_ = forwarder;
    return {holder, slirp};
  }
  pid_t recorded_slirp() { return recorded_helpers().second; }
  // The port forwarder's pid in the state file (0: none started).
  pid_t recorded_forwarder() {
    recorded_helpers();
    return recorded_forwarder_;
  }

  // Whether a helper named in this test's state file still runs (a zombie does not count).
  bool helpers_alive() {
    auto [holder, slirp] = recorded_helpers();
    for (pid_t pid : {holder, slirp, recorded_forwarder_})
      if (process_runs(pid)) return true;
    return false;
  }
  // SIGKILLed helpers take a moment to exit on a loaded machine: wait for it (a bound for a
  // hang, not a speed check).
  bool helpers_outlive_their_end() {
    for (int i = 0; i < 200; ++i) {
      if (!helpers_alive()) return false;
      ::usleep(50 * 1000);
    }
    return true;
  }

  // With every container of `network` gone (and the namespace with them): a server `name`
  // started now makes the namespace anew and a probe reaches it; then both go.
  void expect_a_new_namespace_works(const std::string& network, const std::string& name) {
    start_server(name, {network});
    auto reached = probe({network}, address_of(network, name));
    EXPECT_EQ(reached.out, "connected\n") << reached.describe();
    EXPECT_EQ(sandbox({"rm", "-f", name}).exit_code, 0);
    EXPECT_FALSE(helpers_outlive_their_end());
  }

 private:
  pid_t recorded_forwarder_ = 0;
};

}  // namespace sbx::it
