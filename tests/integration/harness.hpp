// Helpers for the integration tests: run the real `sandbox` binary as the
// invoking (unprivileged) user, a fresh store root per test, the test rig's
// registries (from /var/tmp/sandbox-rig/rig.env) and skipping with a reason.
#pragma once

#include <sys/socket.h>

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sbx::it {

struct RunOptions {
  std::optional<std::string> stdin_data;  // nothing: /dev/null
  // KEY=VALUE pairs added to (or replacing in) the test's environment.
  std::vector<std::string> env;
  // Passed as `--root ROOT` before the arguments when set.
  std::optional<std::filesystem::path> root;
  std::chrono::seconds timeout{300};  // the process group is killed after it
  // Another sandbox binary than sandbox_bin() (a copy the test user may write, say).
  std::optional<std::string> binary;
};

struct RunResult {
  int exit_code = -1;  // shell style: status, 128+signal; -1 could not start
  std::string out;
  std::string err;
  bool timed_out = false;
  // "exit 125\nstdout:\n...\nstderr:\n..." for assertion messages.
  std::string describe() const;
};

// Path of the sandbox binary under test ($SANDBOX_BIN, else the one built here).
const std::string& sandbox_bin();

// Runs `sandbox ARGS...` and waits (stdout and stderr captured separately).
RunResult run_sandbox(const std::vector<std::string>& args, const RunOptions& options = {});

// A `sandbox` process running in the background (own process group); the
// destructor kills the group and reaps it.
class BackgroundRun {
 public:
  BackgroundRun(const std::vector<std::string>& args, const RunOptions& options = {});
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;
  ~BackgroundRun();

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` to the whole process group.
  void kill(int signal);
  // Sends `signal` to the sandbox process alone, as `kill -9 PID` would: its
  // helpers live on (and must then end by themselves).
  void kill_main(int signal);
  // Waits (up to the timeout given at start) and returns what it printed.
  RunResult wait();
  // Output so far (the process may still be writing).
  std::string out_so_far() const;
  std::string err_so_far() const;

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::chrono::steady_clock::time_point deadline_;
  std::optional<RunResult> result_;
};

// The test rig (tests/rig/start.sh). available is false when rig.env is missing.
struct Rig {
  bool available = false;
  std::string env_path;
  std::map<std::string, std::string> values;  // every KEY=VALUE in rig.env
  std::string registry;                       // REGISTRY        anonymous
  std::string registry_token;                 // REGISTRY_TOKEN  Bearer token auth
  std::string token_server;                   // TOKEN_SERVER
  std::string registry_basic;                 // REGISTRY_BASIC  htpasswd Basic auth
  std::string fault_proxy;                    // FAULT_PROXY     in front of REGISTRY
  std::string user = "tester";
  std::string password = "testpass";
  // "127.0.0.1:5000/test/busybox:latest" for name "test/busybox:latest".
  std::string image(const std::string& name) const { return registry + "/" + name; }
};
const Rig& rig();

// True when `host:port/v2/` answers (any HTTP status).
bool registry_reachable(const std::string& host_port);

// A minimal HTTP/1.0 request to an IPv4 host:port (the rig's registries and control endpoints).
// Returns {status, headers (lower-case names), body}; status 0 when the connection failed.
struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};
HttpReply http_get(const std::string& host_port, const std::string& path,
                   const std::vector<std::string>& headers = {}, const std::string& method = "GET");

// The manifest (or index) of `name:reference` in the anonymous registry, asking for every OCI and
// Docker media type; status 404 when the rig has no such image.
HttpReply registry_manifest(const std::string& host_port, const std::string& name,
                            const std::string& reference);
// The rig's anonymous registry has test image `name:tag` (built by tests/rig/images/build.sh).
bool rig_has_image(const std::string& name_and_tag);

// The invoking user has subordinate uid and gid ranges (/etc/subuid, /etc/subgid).
bool has_subid_ranges();
// The user name of the real uid.
std::string current_user_name();
// A program is in PATH.
bool have_program(const std::string& name);

// The live pause processes whose pid files are in a runtime dir (`runtime_dir()`).
std::vector<pid_t> pause_processes(const std::filesystem::path& runtime_dir);
// Whether `pid` runs: it exists and is no zombie (nothing may reap an orphan here).
bool process_runs(pid_t pid);

// A TCP (or with SOCK_DGRAM a UDP) port on 127.0.0.1 that was free a moment ago (for a
// server a test starts).
int unused_loopback_port(int type = SOCK_STREAM);

// Whether `part` occurs in `text` (output checks).
bool contains(const std::string& text, const std::string& part);

// A unique, lower-case token for names that must not collide between tests.
std::string unique_token();

// Removes `path`, entering the user namespace (`sandbox system reset -f`,
// then `unshare --map-auto`) for files owned by subordinate ids. Best effort.
void remove_store_root(const std::filesystem::path& root);

// Base fixture: a fresh store root and a private HOME per test, removed after.
// Set SBX_KEEP_TEST_ROOT=1 to keep them for debugging.
class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // run_sandbox with --root root() and HOME/XDG dirs inside the test dir.
  RunResult sandbox(const std::vector<std::string>& args, RunOptions options = {});
  std::unique_ptr<BackgroundRun> sandbox_background(const std::vector<std::string>& args,
                                                    RunOptions options = {});
  RunOptions options_for(RunOptions options) const;
  // Where sandbox keeps this user's runtime state (`info --format json`'s runtime_dir).
  std::filesystem::path runtime_dir();
  // Gives this test a runtime dir of its own (XDG_RUNTIME_DIR for every sandbox it runs
  // from now on): a test that ends the user's pause processes then ends its own, not those
  // whose namespaces the tests beside it use.
  void use_own_runtime_dir();

  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& home() const { return home_; }
  const std::filesystem::path& test_dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path root_;
  bool own_runtime_dir_ = false;  // use_own_runtime_dir
  std::filesystem::path home_;
};

}  // namespace sbx::it

// Skips the current test with `reason` when `cond` is false (the CI host must
// not skip what it can do, so say exactly what is missing).
#define SBX_REQUIRES(cond, reason)                         \
  do {                                                     \
    if (!(cond)) GTEST_SKIP() << "requires: " << (reason); \
  } while (0)

// Skips unless the rig is up (tests/rig/start.sh).
// Skips unless the rig serves test image NAME:TAG (e.g. "test/busybox:latest").
#define SBX_REQUIRES_IMAGE(name_and_tag)                                     \
  do {                                                                       \
    SBX_REQUIRES_RIG();                                                      \
    SBX_REQUIRES(::sbx::it::rig_has_image(name_and_tag),                     \
                 std::string("test image ") + (name_and_tag) +               \
                     " in the rig (run tests/rig/images/build.sh as root)"); \
  } while (0)

// Skips unless this user can map a full user namespace: subordinate ids and newuidmap.
#define SBX_REQUIRES_SUBIDS()                                                                \
  do {                                                                                       \
    SBX_REQUIRES(::sbx::it::has_subid_ranges(),                                              \
                 "/etc/subuid and /etc/subgid lines for " + ::sbx::it::current_user_name()); \
    SBX_REQUIRES(::sbx::it::have_program("newuidmap"), "newuidmap (package uidmap)");        \
  } while (0)

#define SBX_REQUIRES_RIG()        \
  SBX_REQUIRES(                   \
      ::sbx::it::rig().available, \
      "the test rig (run tests/rig/start.sh as root; missing " + ::sbx::it::rig().env_path + ")")
