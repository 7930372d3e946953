// sandbox-runtime as an engine drives it, as the unprivileged test user: a
// bundle made here (the static test payload as its rootfs, the config from
// `spec --rootless`), runc's lifecycle, its errors, and hostile bundles.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace sbx::it {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string runtime_bin() { return (fs::path(sandbox_bin()).parent_path() / "sandbox-runtime"); }

class OciRuntimeTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    state_ = test_dir() / "state";
    bundle_ = test_dir() / "bundle";
    fs::create_directories(bundle_ / "rootfs/bin");
    fs::copy_file(SBX_PAYLOAD_BIN, bundle_ / "rootfs/bin/payload");
    auto spec = runtime({"spec", "--rootless", "--bundle", bundle_.string()});
    ASSERT_EQ(spec.exit_code, 0) << spec.describe();
    config_ = json::parse(std::ifstream(bundle_ / "config.json"));
    config_["process"]["terminal"] = false;
    config_["process"]["env"] = {"PATH=/bin"};
    config_["hostname"] = "oci-test";
    config_["root"]["readonly"] = false;  // runc's example has a read-only root
  }

  RunResult runtime(const std::vector<std::string>& args, RunOptions options = {}) {
    std::vector<std::string> all = {"--root", state_.string()};
    all.insert(all.end(), args.begin(), args.end());
    options.binary = runtime_bin();
    options.timeout = std::chrono::seconds(60);
    return run_sandbox(all, options);
  }

  void write_config(const std::vector<std::string>& args) {
    config_["process"]["args"] = args;
    std::ofstream(bundle_ / "config.json") << config_.dump(2);
  }

  std::string status(const std::string& id) {
    auto r = runtime({"state", id});
    if (r.exit_code != 0) return "error: " + r.err;
    return json::parse(r.out).at("status").get<std::string>();
  }

  // Nothing of a failed create stays behind.
  void expect_no_containers() {
    auto list = runtime({"list", "-q"});
    EXPECT_EQ(list.exit_code, 0) << list.describe();
    EXPECT_EQ(list.out, "");
  }

  fs::path state_, bundle_;
  json config_;
};

TEST_F(OciRuntimeTest, RunPrintsFromTheRootfsAndPassesTheExitCode) {
  write_config({"payload", "id"});
  auto r = runtime({"run", "-b", bundle_.string(), "one"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("uid=0"), std::string::npos) << r.out;

  write_config({"/bin/payload", "exit", "7"});
  EXPECT_EQ(runtime({"run", "--bundle", bundle_.string(), "two"}).exit_code, 7);
  expect_no_containers();  // run deletes what it created
}

TEST_F(OciRuntimeTest, CreateWaitsForStartAndStateFollowsTheProcess) {
  write_config({"/bin/payload", "write", "/started", "yes"});
  fs::path pid_file = test_dir() / "pid";
  auto c = runtime({"create", "--bundle", bundle_.string(), "--pid-file", pid_file, "box"});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  EXPECT_EQ(status("box"), "created");
  auto state = json::parse(runtime({"state", "box"}).out);
  std::ifstream pid_in(pid_file);
  int pid = 0;
  pid_in >> pid;
  EXPECT_EQ(state["pid"].get<int>(), pid);
  EXPECT_EQ(state["bundle"].get<std::string>(), fs::canonical(bundle_).string());
  // process.args runs only at start.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(fs::exists(bundle_ / "rootfs/started"));

  auto s = runtime({"start", "box"});
  ASSERT_EQ(s.exit_code, 0) << s.describe();
  for (int i = 0; i < 100 && status("box") != "stopped"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(status("box"), "stopped");
  EXPECT_TRUE(fs::exists(bundle_ / "rootfs/started"));

  auto again = runtime({"start", "box"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("stopped"), std::string::npos) << again.err;
  auto kill = runtime({"kill", "box", "KILL"});
  EXPECT_NE(kill.exit_code, 0);
  EXPECT_NE(kill.err.find("not running"), std::string::npos) << kill.err;
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
  auto gone = runtime({"state", "box"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

// config.json's createContainer hooks run in the container's namespaces
// before pivot_root (the path is the host's), startContainer ones in the
// container after `start` (the path is the container's); both read the state
// on stdin, and the command runs only after them.
TEST_F(OciRuntimeTest, InContainerHooksRunInTheContainersNamespaces) {
  fs::copy_file("/bin/busybox", bundle_ / "rootfs/bin/busybox");
  fs::path out = test_dir() / "hook-out";
  fs::create_directories(out);
  std::string create_script = "cat > " + (out / "create.json").string() +
                              "; readlink /proc/self/ns/user > " + (out / "user").string() +
                              "; readlink /proc/self/ns/mnt > " + (out / "mnt").string();
  config_["hooks"]["createContainer"] =
      json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", create_script}}}});
  config_["hooks"]["startContainer"] = json::array(
      {{{"path", "/bin/busybox"}, {"args", {"busybox", "sh", "-c", "cat > /start.json"}}}});
  write_config({"/bin/payload", "write", "/started", "yes"});
  auto c = runtime({"create", "-b", bundle_.string(), "hooked"});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  std::string created = read_all(out / "create.json");
  auto create_state = json::parse(created);
  EXPECT_EQ(create_state["id"], "hooked");
  EXPECT_EQ(create_state["status"], "creating");
  EXPECT_EQ(create_state["bundle"], fs::canonical(bundle_).string());
  EXPECT_GT(create_state["pid"].get<int>(), 0);
  EXPECT_NE(read_all(out / "user"), fs::read_symlink("/proc/self/ns/user").string() + "\n");
  EXPECT_NE(read_all(out / "mnt"), fs::read_symlink("/proc/self/ns/mnt").string() + "\n");
  EXPECT_FALSE(fs::exists(bundle_ / "rootfs/start.json"));  // not before start

  ASSERT_EQ(runtime({"start", "hooked"}).exit_code, 0);
  for (int i = 0; i < 100 && status("hooked") != "stopped"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start_state = json::parse(read_all(bundle_ / "rootfs/start.json"));
  EXPECT_EQ(start_state["id"], "hooked");
  EXPECT_EQ(start_state["status"], "created");
  EXPECT_TRUE(fs::exists(bundle_ / "rootfs/started"));
  EXPECT_EQ(runtime({"delete", "hooked"}).exit_code, 0);
}

// A failing or hanging in-container hook fails its container, says which hook
// and how, and the command never runs.
TEST_F(OciRuntimeTest, AFailingInContainerHookStopsTheContainer) {
  fs::copy_file("/bin/busybox", bundle_ / "rootfs/bin/busybox");
  config_["hooks"]["createContainer"] =
      json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}});
  write_config({"/bin/payload", "write", "/started", "yes"});
  auto failing = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(failing.exit_code, 0);
  EXPECT_NE(failing.err.find("createContainer hooks: /bin/sh exited with status 3"),
            std::string::npos)
      << failing.err;
  expect_no_containers();

  config_["hooks"]["createContainer"] =
      json::array({{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}});
  write_config({"/bin/payload", "write", "/started", "yes"});
  auto hanging = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(hanging.exit_code, 0);
  EXPECT_NE(hanging.err.find("/bin/sleep still ran after 1 s"), std::string::npos) << hanging.err;
  expect_no_containers();

  config_["hooks"].erase("createContainer");
  config_["hooks"]["startContainer"] =
      json::array({{{"path", "/bin/busybox"}, {"args", {"busybox", "false"}}}});
  write_config({"/bin/payload", "write", "/started", "yes"});
  ASSERT_EQ(runtime({"create", "-b", bundle_.string(), "b"}).exit_code, 0);
  EXPECT_EQ(runtime({"start", "b"}).exit_code, 0);  // as runc: the gate opened
  for (int i = 0; i < 100 && status("b") != "stopped"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(status("b"), "stopped");
  EXPECT_FALSE(fs::exists(bundle_ / "rootfs/started"));
  EXPECT_EQ(runtime({"delete", "b"}).exit_code, 0);
}

TEST_F(OciRuntimeTest, DuplicateIdsRunningDeletesAndSignals) {
  write_config({"/bin/payload", "wait-signal", "60"});
  ASSERT_EQ(runtime({"create", "-b", bundle_.string(), "web"}).exit_code, 0);
  auto dup = runtime({"create", "-b", bundle_.string(), "web"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos) << dup.err;
  ASSERT_EQ(runtime({"start", "web"}).exit_code, 0);
  EXPECT_EQ(status("web"), "running");

  auto ps = runtime({"ps", "--format", "json", "web"});
  ASSERT_EQ(ps.exit_code, 0) << ps.describe();
  EXPECT_EQ(json::parse(ps.out).size(), 1u) << ps.out;

  auto del = runtime({"delete", "web"});
  EXPECT_NE(del.exit_code, 0);
  EXPECT_NE(del.err.find("not stopped"), std::string::npos) << del.err;
  ASSERT_EQ(runtime({"kill", "web", "SIGTERM"}).exit_code, 0);
  for (int i = 0; i < 100 && status("web") != "stopped"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(status("web"), "stopped");
  EXPECT_EQ(runtime({"delete", "web"}).exit_code, 0);

  ASSERT_EQ(runtime({"run", "-d", "-b", bundle_.string(), "again"}).exit_code, 0);
  EXPECT_EQ(status("again"), "running");
  EXPECT_EQ(runtime({"delete", "--force", "again"}).exit_code, 0);
  expect_no_containers();
  EXPECT_EQ(runtime({"delete", "--force", "never-was"}).exit_code, 0);
}

TEST_F(OciRuntimeTest, ExecRunsInTheContainerWithArgsOrAProcessFile) {
  write_config({"/bin/payload", "sleep", "60"});
  ASSERT_EQ(runtime({"run", "-d", "-b", bundle_.string(), "host"}).exit_code, 0);
  auto e = runtime({"exec", "host", "/bin/payload", "hostname"});
  EXPECT_EQ(e.exit_code, 0) << e.describe();
  EXPECT_EQ(e.out, "oci-test\n");
  EXPECT_EQ(runtime({"exec", "host", "payload", "exit", "3"}).exit_code, 3);

  json process = config_["process"];
  process["args"] = {"/bin/payload", "env"};
  process["env"] = {"PATH=/bin", "FROM_FILE=1"};
  std::ofstream(test_dir() / "process.json") << process.dump();
  auto p = runtime({"exec", "--process", (test_dir() / "process.json").string(), "host"});
  EXPECT_EQ(p.exit_code, 0) << p.describe();
  EXPECT_NE(p.out.find("FROM_FILE=1"), std::string::npos) << p.out;

  auto missing = runtime({"exec", "host", "no-such-command"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  EXPECT_EQ(runtime({"delete", "-f", "host"}).exit_code, 0);
  auto stopped = runtime({"exec", "host", "/bin/payload", "id"});
  EXPECT_NE(stopped.exit_code, 0);
}

TEST_F(OciRuntimeTest, BadBundlesAreClearErrorsAndLeaveNothing) {
  fs::remove(bundle_ / "config.json");
  auto missing = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("config.json"), std::string::npos) << missing.err;

  std::ofstream(bundle_ / "config.json") << "{ not json";
  auto malformed = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_NE(malformed.err.find("config.json"), std::string::npos) << malformed.err;

  config_["linux"]["namespaces"].push_back({{"type", "bogus"}});
  write_config({"/bin/payload", "id"});
  auto unknown = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("bogus"), std::string::npos) << unknown.err;
  config_["linux"]["namespaces"].erase(config_["linux"]["namespaces"].size() - 1);

  write_config({"/bin/nothing-here"});
  auto absent = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(absent.exit_code, 0);
  EXPECT_NE(absent.err.find("nothing-here"), std::string::npos) << absent.err;

  // A rootfs that is a symlink out of the bundle.
  fs::create_directories(test_dir() / "elsewhere");
  config_["root"]["path"] = "outside";
  fs::create_directory_symlink(test_dir() / "elsewhere", bundle_ / "outside");
  write_config({"/bin/payload", "id"});
  auto escape = runtime({"create", "-b", bundle_.string(), "a"});
  EXPECT_NE(escape.exit_code, 0);
  EXPECT_NE(escape.err.find("out of the bundle"), std::string::npos) << escape.err;
  expect_no_containers();
}

// CVE-2021-30465's class: a mount destination through a symlink in the rootfs
// that points at a host path resolves inside the rootfs, never on the host:
// an error while that path does not exist in the rootfs, a mount inside it
// once it does.
TEST_F(OciRuntimeTest, MountDestinationsStayInsideTheRootfs) {
  fs::path host_dir = test_dir() / "host-side";
  fs::create_directories(host_dir);
  fs::create_directory_symlink(host_dir, bundle_ / "rootfs/evil");
  config_["mounts"].push_back(
      {{"destination", "/evil/made"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {}}});
  write_config({"/bin/payload", "write", "/evil/made/file", "x"});
  auto refused = runtime({"run", "-b", bundle_.string(), "m"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("/evil/made"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(host_dir / "made")) << "a mount point was made on the host";
  expect_no_containers();

  fs::path inside = bundle_ / "rootfs" / host_dir.relative_path();
  fs::create_directories(inside);
  auto r = runtime({"run", "-b", bundle_.string(), "m"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(fs::exists(host_dir / "made")) << "a mount point was made on the host";
  EXPECT_TRUE(fs::exists(inside / "made"));
  EXPECT_FALSE(fs::exists(inside / "made/file")) << "the write went around the tmpfs";
}

// Limits go through run's cgroup code: where it cannot enforce them (this
// host: no delegated cgroup v2) create refuses as run does; a field no cgroup
// code applies is refused by name.
TEST_F(OciRuntimeTest, ResourcesAreAppliedOrRefusedNeverDropped) {
  config_["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 1}}}}};
  write_config({"/bin/payload", "id"});
  auto huge = runtime({"create", "-b", bundle_.string(), "r"});
  EXPECT_NE(huge.exit_code, 0);
  EXPECT_NE(huge.err.find("hugepageLimits"), std::string::npos) << huge.err;

  config_["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
  write_config({"/bin/payload", "id"});
  auto memory = runtime({"run", "-b", bundle_.string(), "r"});
  bool enforced = memory.exit_code == 0 && memory.out.find("uid=0") != std::string::npos;
  bool refused = memory.exit_code != 0 && memory.err.find("linux.resources") != std::string::npos;
  EXPECT_TRUE(enforced || refused) << memory.describe();
  expect_no_containers();
}

TEST_F(OciRuntimeTest, WithoutAUserNamespaceAnUnprivilegedUserIsToldWhy) {
  SBX_REQUIRES(::geteuid() != 0, "an unprivileged test user");
  auto& ns = config_["linux"]["namespaces"];
  for (size_t i = 0; i < ns.size(); ++i)
    if (ns[i]["type"] == "user") ns.erase(i);
  config_["linux"].erase("uidMappings");
  config_["linux"].erase("gidMappings");
  write_config({"/bin/payload", "id"});
  auto r = runtime({"create", "-b", bundle_.string(), "u"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("user namespace"), std::string::npos) << r.err;
  expect_no_containers();
}

// process.terminal: run in the foreground relays the container's pty to its
// own stdio, as runc does; a detached container needs a console socket.
TEST_F(OciRuntimeTest, ATerminalIsRelayedByRunAndNeedsASocketOtherwise) {
  config_["process"]["terminal"] = true;
  write_config({"/bin/payload", "tty"});
  auto r = runtime({"run", "-b", bundle_.string(), "t"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("stdout=tty ttyname=/dev/pts/0"), std::string::npos) << r.out;
  auto c = runtime({"create", "-b", bundle_.string(), "t"});
  EXPECT_NE(c.exit_code, 0);
  EXPECT_NE(c.err.find("--console-socket"), std::string::npos) << c.err;
  expect_no_containers();
}

// A state dir others may write into could feed us their state and hooks.
TEST_F(OciRuntimeTest, AStateDirOthersCanWriteIsRefused) {
  fs::create_directories(state_);
  fs::permissions(state_, fs::perms::all);
  auto r = runtime({"list"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not a private directory"), std::string::npos) << r.err;
  fs::permissions(state_, fs::perms::owner_all);
  EXPECT_EQ(runtime({"list"}).exit_code, 0);
}

TEST_F(OciRuntimeTest, ErrorsGoToTheLogAsJsonAndFeaturesParse) {
  fs::path log = test_dir() / "log.json";
  auto r = runtime({"--log", log.string(), "--log-format", "json", "state", "nope"});
  EXPECT_NE(r.exit_code, 0);
  std::ifstream in(log);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  auto entry = json::parse(line);
  EXPECT_EQ(entry["level"], "error");
  EXPECT_NE(entry["msg"].get<std::string>().find("does not exist"), std::string::npos);

  auto features = runtime({"features"});
  ASSERT_EQ(features.exit_code, 0) << features.describe();
  auto f = json::parse(features.out);
  EXPECT_EQ(f["ociVersionMin"], "1.0.0");
  EXPECT_TRUE(f["linux"]["seccomp"]["enabled"].get<bool>());
  auto version = runtime({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("sandbox-runtime"), std::string::npos);
}

// linux.timeOffsets: a time namespace of the container's own whose boottime
// is ten years ahead; an exec'd process joins it, before the start too (init
// enters it only by its execve then).
TEST_F(OciRuntimeTest, TimeOffsetsMoveTheContainersClocksForExecToo) {
  SBX_REQUIRES(fs::exists("/proc/self/ns/time"), "a kernel with time namespaces");
  constexpr int64_t kTenYears = 10LL * 365 * 24 * 3600;
  config_["linux"]["namespaces"].push_back({{"type", "time"}});
  config_["linux"]["timeOffsets"] = {{"boottime", {{"secs", kTenYears}, {"nanosecs", 0}}},
                                     {"monotonic", {{"secs", 5}, {"nanosecs", 0}}}};
  write_config({"/bin/payload", "sleep", "30"});
  auto c = runtime({"create", "-b", bundle_.string(), "clock"});
  ASSERT_EQ(c.exit_code, 0) << c.describe();
  auto early = runtime({"exec", "clock", "/bin/payload", "read", "/proc/uptime"});
  ASSERT_EQ(early.exit_code, 0) << early.describe();
  EXPECT_GE(std::stod(early.out), static_cast<double>(kTenYears)) << early.out;
  ASSERT_EQ(runtime({"start", "clock"}).exit_code, 0);
  auto uptime = runtime({"exec", "clock", "/bin/payload", "read", "/proc/uptime"});
  ASSERT_EQ(uptime.exit_code, 0) << uptime.describe();
  EXPECT_GE(std::stod(uptime.out), static_cast<double>(kTenYears)) << uptime.out;
  EXPECT_EQ(runtime({"delete", "--force", "clock"}).exit_code, 0);

  // Offsets without a new time namespace are refused, naming the field.
  config_["linux"]["namespaces"].erase(config_["linux"]["namespaces"].size() - 1);
  write_config({"/bin/payload", "id"});
  auto refused = runtime({"run", "-b", bundle_.string(), "clock"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("linux.timeOffsets"), std::string::npos) << refused.err;
  expect_no_containers();
}

// linux.personality LINUX32: the process runs in that execution domain
// (PER_LINUX32 = 8 in /proc/self/personality).
TEST_F(OciRuntimeTest, PersonalityLinux32IsSetBeforeTheProcessRuns) {
  config_["linux"]["personality"] = {{"domain", "LINUX32"}};
  write_config({"/bin/payload", "read", "/proc/self/personality"});
  auto r = runtime({"run", "-b", bundle_.string(), "p"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "00000008\n");
  config_["linux"]["personality"] = {{"domain", "LINUX"}};
  write_config({"/bin/payload", "read", "/proc/self/personality"});
  auto plain = runtime({"run", "-b", bundle_.string(), "p"});
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_EQ(plain.out, "00000000\n");
}

// kill --all without a pid namespace of the container's own: only a cgroup
// could say which processes are its; with neither, a clear refusal.
TEST_F(OciRuntimeTest, KillAllWithoutPidNamespaceOrCgroupIsRefused) {
  auto& ns = config_["linux"]["namespaces"];
  for (size_t i = ns.size(); i-- > 0;)
    if (ns[i]["type"] == "pid") ns.erase(i);
  auto& mounts = config_["mounts"];  // proc needs a pid namespace of our own
  for (size_t i = mounts.size(); i-- > 0;)
    if (mounts[i]["type"] == "proc") mounts.erase(i);
  write_config({"/bin/payload", "sleep", "30"});
  ASSERT_EQ(runtime({"run", "-d", "-b", bundle_.string(), "shared"}).exit_code, 0);
  auto all = runtime({"kill", "--all", "shared", "KILL"});
  EXPECT_NE(all.exit_code, 0);
  EXPECT_NE(all.err.find("neither a pid namespace nor a cgroup"), std::string::npos) << all.err;
  EXPECT_EQ(status("shared"), "running");
  EXPECT_EQ(runtime({"kill", "shared", "KILL"}).exit_code, 0);
  EXPECT_EQ(runtime({"delete", "--force", "shared"}).exit_code, 0);
}

// exec places its process in the container's cgroup, where the container has
// one (limits set and a host that delegates cgroups).
TEST_F(OciRuntimeTest, ExecJoinsTheContainersCgroup) {
  config_["linux"]["resources"] = {{"pids", {{"limit", 100}}}};
  write_config({"/bin/payload", "sleep", "30"});
  auto c = runtime({"run", "-d", "-b", bundle_.string(), "cg"});
  SBX_REQUIRES(c.exit_code == 0, "a host that places containers in cgroups: " + c.err);
  auto init = runtime({"exec", "cg", "/bin/payload", "read", "/proc/1/cgroup"});
  auto self = runtime({"exec", "cg", "/bin/payload", "read", "/proc/self/cgroup"});
  EXPECT_EQ(init.exit_code, 0) << init.describe();
  EXPECT_EQ(self.out, init.out);
  EXPECT_EQ(runtime({"delete", "--force", "cg"}).exit_code, 0);
}

// runc's help and version layout, which scripts (and runc's tests) read.
TEST_F(OciRuntimeTest, HelpAndVersionReadAsRuncs) {
  auto help = runtime({"-h"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(help.out.starts_with("NAME:\n")) << help.out;
  EXPECT_NE(help.out.find("runc - Open Container Initiative runtime"), std::string::npos);
  auto pause = runtime({"pause", "-h"});
  EXPECT_EQ(pause.exit_code, 0);
  EXPECT_NE(pause.out.find("runc pause"), std::string::npos) << pause.out;
  auto refused = runtime({"pause", "box"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("no `pause` command"), std::string::npos) << refused.err;
  auto unknown = runtime({"foo", "-h"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("No help topic for 'foo'"), std::string::npos) << unknown.err;
  auto version = runtime({"-v"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("runc version 1."), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("\ncommit: "), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("\nspec: 1."), std::string::npos) << version.out;
}

}  // namespace
}  // namespace sbx::it
