// The escape suite: every attempt of the payload's `escape-probe`
// (helpers/payload/README.md), run as the unprivileged test user through
// `sandbox run` and `sandbox exec`, in a default container and a --privileged
// one, with each line asserted. By default every attempt fails. --privileged
// shows that the suite is not vacuous: the attempts that capabilities and the
// seccomp filter stop reach the kernel there (and the kernel keeps them in the
// container's own namespaces), while the truly contained ones (host pids,
// /proc/1/root, host fds, the caller's keyring) stay contained even then.
// The paths a user hands to sandbox (-w, -v) are tried in escape_paths_test.cpp;
// `#!/proc/self/exe` in run and exec in host_binary_test.cpp (the exe-write
// line here is the same attack without the script); a second user in
// tests/system/two_users.sh.
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "run_fixture.hpp"
#include "sandbox/base/process.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What each line must start with, in a default container and a privileged one.
struct Expected {
  const char* probe;
  const char* by_default;
  const char* privileged;
};

// mount-proc and masked-paths predate the suite: what they call ESCAPED under
// --privileged is the policy that --privileged turns off (a proc of its own,
// unmasked /proc files, as docker's --privileged), not a way to the host.
constexpr Expected kSuite[] = {
    {"proc-root", "contained", "contained"},
    {"fd-leak", "contained (", "contained ("},
    {"exe-write", "contained (", "contained ("},
    {"chroot", "contained", "contained"},
    {"mknod-block", "blocked (EPERM)", "blocked (EPERM)"},
    {"mknod-char", "blocked (EPERM)", "blocked (EPERM)"},
    {"mount-proc", "blocked (EPERM)", "ESCAPED (mounted a new proc)"},
    {"sysrq", "", ""},  // host-dependent: absent, EACCES or EROFS; never ESCAPED
    {"core-pattern", "", ""},
    {"uevent-helper", "", ""},
    {"masked-paths", "contained", "ESCAPED ("},
    {"mount", "blocked (EPERM)", "contained (a tmpfs, in the container's own mount namespace)"},
    {"bpf", "blocked (EPERM)", "contained (kernel: lookup EBADF, kprobe load E"},
    {"perf-event-open", "blocked (EPERM)", "contained (kernel: CPU-wide event E"},
    {"open-by-handle", "blocked (EPERM)", "contained (kernel: "},
    {"nested-userns", "blocked (EPERM)", "contained (nested namespace made; uid "},
    {"io-uring", "blocked (ENOSYS)", "contained (kernel: "},
    {"proc1-root", "contained (-> /)", "contained (-> /)"},
    {"kill-host", "contained (", "contained ("},
    {"ptrace-host", "contained (", "contained ("},
    {"keyctl", "blocked (EPERM)", "contained (session keyring _ses is empty)"},
};
constexpr int kLegacyPrivilegedEscapes = 2;  // mount-proc, masked-paths

constexpr const char* kCanary = "sbx-escape-canary";

// "NAME: rest" lines of escape-probe's output, by name.
std::map<std::string, std::string> probe_lines(const std::string& out) {
  std::map<std::string, std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    size_t colon = line.find(": ");
    if (colon != std::string::npos) lines[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return lines;
}

std::string join_pids(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) text += (text.empty() ? "" : ",") + std::to_string(pid);
  return text;
}

class EscapeSuite : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    // A session keyring of this test process with a key in it: sandbox
    // inherits it, and no container may read it (the keyctl line).
    ASSERT_GE(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "sbx-escape-test"), 0)
        << std::strerror(errno);
    ASSERT_GE(syscall(SYS_add_key, "user", kCanary, "secret", 6, KEY_SPEC_SESSION_KEYRING), 0)
        << std::strerror(errno);
  }

  void TearDown() override {
    if (container_) {
      container_->kill(SIGTERM);
      container_->wait();
      container_.reset();
    }
    RunTest::TearDown();
  }

  // Every line of the suite, and nothing it does not know (a new probe needs an expectation).
  void expect_suite(const RunResult& r, bool privileged) {
    auto lines = probe_lines(r.out);
    for (const char* probe : {"kill-host", "ptrace-host"}) {  // not vacuous: some were tried
      EXPECT_FALSE(lines[probe].starts_with("contained (0 ")) << probe << ": " << lines[probe];
    }
    for (const Expected& e : kSuite) {
      auto line = lines.find(e.probe);
      ASSERT_NE(line, lines.end()) << e.probe << " missing\n" << r.describe();
      std::string want = privileged ? e.privileged : e.by_default;
      EXPECT_TRUE(line->second.starts_with(want)) << e.probe << ": " << line->second << "\n"
                                                  << "wanted: " << want << "...\n"
                                                  << r.out;
      if (want.empty()) {
        EXPECT_FALSE(line->second.starts_with("ESCAPED")) << line->second;
      }
      EXPECT_FALSE(line->second.starts_with("skipped")) << e.probe << ": " << line->second;
      lines.erase(line);
    }
    lines.erase("escape-probe");
    EXPECT_TRUE(lines.empty()) << "lines without an expectation:\n" << r.out;
    int escapes = privileged ? kLegacyPrivilegedEscapes : 0;
    EXPECT_NE(r.out.find("escape-probe: " + std::to_string(escapes) + " escaped\n"),
              std::string::npos)
        << r.describe();
    EXPECT_EQ(r.exit_code, escapes > 0 ? 1 : 0) << r.describe();
    EXPECT_EQ(r.out.find(kCanary), std::string::npos) << r.out;
  }

  RunResult run_suite(bool privileged) {
    // Host processes for kill-host and ptrace-host: this test and its parent.
    std::string pids = join_pids({::getpid(), ::getppid()});
    std::vector<std::string> flags{"--network", "none", "-e", "SBX_HOST_PIDS=" + pids};
    if (privileged) flags.push_back("--privileged");
    return payload_run({"escape-probe"}, flags);
  }

  // A foreground `sandbox run` in the background, so its pid is known; returns once exec works.
  void start(bool privileged) {
    std::vector<std::string> args{"run", "--rm", "--name", name_, "--network", "none"};
    if (privileged) args.push_back("--privileged");
    args.insert(args.end(), {payload(), "payload", "sleep", "300"});
    container_ = sandbox_background(args);
    for (auto deadline = std::chrono::steady_clock::now() + 120s;
         std::chrono::steady_clock::now() < deadline && container_->running();) {
      if (sandbox({"exec", name_, "payload", "exit", "0"}).exit_code == 0) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the container did not come up\n" << container_->err_so_far();
  }

  // The sandbox process, the container's init as the host numbers it, the
  // per-user pause processes and this test: none may be reachable inside.
  std::vector<pid_t> host_pids_of_running_container() {
    std::vector<pid_t> pids{container_->pid(), ::getpid()};
    auto doc = nlohmann::json::parse(sandbox({"inspect", name_}).out, nullptr, false);
    if (doc.is_array() && !doc.empty()) doc = doc[0];
    if (doc.is_object()) pids.push_back(doc["State"]["Pid"].get<pid_t>());
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(runtime_dir(), ec)) {
      if (!entry.path().filename().native().starts_with("pause-")) continue;
      if (entry.path().extension() != ".pid") continue;
      std::ifstream in(entry.path());
      pid_t pid = 0;
      if (in >> pid && pid > 0) pids.push_back(pid);
    }
    return pids;
  }

  RunResult exec_suite() {
    auto pids = host_pids_of_running_container();
    EXPECT_GE(pids.size(), 4u) << "the init's or the pause process's pid was not found";
    return sandbox(
        {"exec", "-e", "SBX_HOST_PIDS=" + join_pids(pids), name_, "payload", "escape-probe"});
  }

  std::string name_ = "escape-" + unique_token();
  std::unique_ptr<BackgroundRun> container_;
};

TEST_F(EscapeSuite, RunDefault) { expect_suite(run_suite(false), false); }

TEST_F(EscapeSuite, RunPrivileged) { expect_suite(run_suite(true), true); }

TEST_F(EscapeSuite, ExecDefault) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  expect_suite(exec_suite(), false);
}

TEST_F(EscapeSuite, ExecPrivileged) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  expect_suite(exec_suite(), true);
}

// Not vacuous: the same probe outside a container, in this test's session,
// finds the canary; inside one whose filter allows keyctl it finds nothing.
TEST_F(EscapeSuite, KeyctlFindsTheCanaryOnlyOutsideContainers) {
  auto host = run_command({SBX_PAYLOAD_BIN, "escape-probe", "keyctl"});
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_NE(host->out.find("keyctl: ESCAPED (the session keyring holds user;"), std::string::npos)
      << host->out;
  EXPECT_NE(host->out.find(kCanary), std::string::npos) << host->out;
  auto open = payload_run({"escape-probe", "keyctl"},
                          {"--network", "none", "--security-opt", "seccomp=unconfined"});
  EXPECT_EQ(open.exit_code, 0) << open.describe();
  EXPECT_NE(open.out.find("keyctl: contained (session keyring _ses is empty)"), std::string::npos)
      << open.out;
}

}  // namespace
}  // namespace sbx::it
