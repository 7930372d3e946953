// `sandbox run` as the unprivileged test user: identity, files, mounts,
// config, exit codes, --rm.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_fixture.hpp"

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

TEST_F(RunTest, EchoHello) {
  auto r = run({}, payload(), {"echo", "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "hello\n");
}

TEST_F(RunTest, RootInside) {
  auto r = payload_run({"id"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("uid=0 euid=0 suid=0 gid=0 egid=0 sgid=0")) << r.out;
}

TEST_F(RunTest, ImageOwnersVisibleInside) {
  auto r = payload_run({"stat", "/home/tester"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "uid=1000 gid=1000")) << r.out;
  auto u = payload_run({"id"}, {"-u", "nobody"});
  ASSERT_EQ(u.exit_code, 0) << u.describe();
  EXPECT_TRUE(u.out.starts_with("uid=65534 euid=65534 suid=65534 gid=65534")) << u.out;
}

TEST_F(RunTest, LayeredImageWhiteoutsOpaqueAndSetuid) {
  SBX_REQUIRES(rig_has_image("test/layered:latest"), "test/layered:latest in the rig");
  auto r = run({}, rig().image("test/layered:latest"),
               {"sh", "-c",
                "ls /data/replaced; ls /data; stat -c '%a %u:%g' /data/setuid "
                "/data/owner-65534; cat /data/symlink-abs"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("new.txt\n")) << r.out;
  for (const char* gone : {"deleted.txt", "deleted-dir", "whiteout-in-4.txt", ".wh."})
    EXPECT_FALSE(contains(r.out, gone)) << gone << " in\n" << r.out;
  EXPECT_TRUE(contains(r.out, "4755 0:0\n600 65534:65534\nkeep\n")) << r.out;
}

TEST_F(RunTest, BindMountWritesBelongToTheInvokingUser) {
  fs::path dir = test_dir() / "vol";
  fs::create_directories(dir);
  auto r = payload_run({"write", "/data/out.txt", "hi"}, {"-v", dir.string() + ":/data"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  struct stat st;
  ASSERT_EQ(::stat((dir / "out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
  auto ro = payload_run({"write", "/data/x", "hi"}, {"-v", dir.string() + ":/data:ro"});
  EXPECT_EQ(ro.exit_code, 1) << ro.describe();
  EXPECT_TRUE(contains(ro.err, "EROFS")) << ro.err;
}

TEST_F(RunTest, MissingVolumeSourceIsAnErrorAndLeavesNothing) {
  fs::path missing = test_dir() / "missing";
  auto r = payload_run({"id"}, {"-v", missing.string() + ":/data"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, missing.string())) << r.err;
  EXPECT_FALSE(fs::exists(missing));
  fs::path containers = root() / "containers";
  EXPECT_TRUE(!fs::exists(containers) || fs::is_empty(containers));
}

TEST_F(RunTest, MalformedFlagsAreErrors) {
  for (auto flags : std::vector<std::vector<std::string>>{{"-v", "./relative:/x"},
                                                          {"--mount", "type=bind,target=/x"},
                                                          {"-e", "=x"},
                                                          {"-u", "ghost"},
                                                          {"--network", "bogus"}}) {
    auto r = payload_run({"id"}, flags);
    EXPECT_EQ(r.exit_code, 125) << flags[0] << " " << flags[1] << "\n" << r.describe();
    // A fresh store pulls first, so pull lines may come before the one error line.
    EXPECT_TRUE(r.err.starts_with("sandbox: ") || contains(r.err, "\nsandbox: ")) << r.err;
  }
}

TEST_F(RunTest, RmRemovesTheContainerDir) {
  auto r = payload_run({"write", "/new-file", "x"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  fs::path containers = root() / "containers";
  EXPECT_TRUE(!fs::exists(containers) || fs::is_empty(containers));
}

// A --rm container nothing wrote to leaves its few files for the next run
// to delete (in the store's trash, tmp/trash/<id>.<random>, out of every
// listing); one that wrote goes at once, and `image prune` takes what is left.
TEST_F(RunTest, RmOfAnUntouchedContainerIsDeletedByTheNextRun) {
  auto removed_dirs = [&] {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root() / "tmp" / "trash", ec))
      names.push_back(e.path().filename());
    return names;
  };
  auto first = run({}, payload(), {"true"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  auto after_first = removed_dirs();
  ASSERT_EQ(after_first.size(), 1u);
  auto listed = sandbox({"ps", "-a", "-q"});
  EXPECT_EQ(listed.out, "") << listed.describe();
  EXPECT_TRUE(fs::is_empty(root() / "containers"));

  auto second = run({}, payload(), {"true"});
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  auto after_second = removed_dirs();
  ASSERT_EQ(after_second.size(), 1u);
  EXPECT_NE(after_second[0], after_first[0]) << "the second run deleted the first's dir";

  auto wrote = payload_run({"write", "/new-file", "x"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.describe();
  EXPECT_TRUE(removed_dirs().empty());
  EXPECT_TRUE(fs::is_empty(root() / "containers"));

  ASSERT_EQ(run({}, payload(), {"true"}).exit_code, 0);
  ASSERT_EQ(removed_dirs().size(), 1u);
  auto prune = sandbox({"image", "prune"});
  ASSERT_EQ(prune.exit_code, 0) << prune.describe();
  EXPECT_TRUE(removed_dirs().empty());
}

// The image lacks /etc/hosts and friends: their mount points come from a
// layer made once per image, so a start writes nothing into the upper dir.
TEST_F(RunTest, MountPointsComeFromAPerImageLayerNotTheUpperDir) {
  auto r = sandbox({"run", "--name", "mount-points", payload(), "sh", "-c", "cat /etc/hosts"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "localhost")) << r.out;
  std::vector<fs::path> containers;
  for (const auto& e : fs::directory_iterator(root() / "containers")) containers.push_back(e);
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_TRUE(fs::is_empty(containers[0] / "upper")) << "a mount point was made in the upper dir";
  std::vector<fs::path> layers;
  for (const auto& e : fs::directory_iterator(root() / "cache" / "mount-points"))
    layers.push_back(e);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_TRUE(fs::is_regular_file(layers[0] / "etc" / "hosts"));
  EXPECT_FALSE(fs::exists(layers[0] / "etc" / "passwd"))
      << "the image's own files stay the image's";
  auto rm = sandbox({"rm", "mount-points"});
  EXPECT_EQ(rm.exit_code, 0) << rm.describe();
}

TEST_F(RunTest, HostFilesAndProcessesInvisible) {
  auto files = payload_run({"stat", test_dir().string()});
  EXPECT_EQ(files.exit_code, 1) << files.describe();
  EXPECT_TRUE(contains(files.out, "error=ENOENT")) << files.out;
  auto pids = payload_run({"pids"});
  ASSERT_EQ(pids.exit_code, 0) << pids.describe();
  EXPECT_TRUE(pids.out.starts_with("1 ")) << pids.out;
  EXPECT_EQ(std::count(pids.out.begin(), pids.out.end(), '\n'), 2) << pids.out;
}

// The namespaces are made ahead by a holder process and joined; each is
// still the container's own, and with --network host only the net namespace
// is the host's.
TEST_F(RunTest, EveryNamespaceIsTheContainersOwn) {
  const std::vector<std::string> kinds = {"user", "mnt", "net", "ipc", "uts", "pid", "cgroup"};
  std::string script;
  for (const auto& kind : kinds) script += "readlink /proc/self/ns/" + kind + "; ";
  auto isolated = run({"--network", "none"}, payload(), {"sh", "-c", script});
  ASSERT_EQ(isolated.exit_code, 0) << isolated.describe();
  auto host_network = run({"--network", "host"}, payload(), {"sh", "-c", script});
  ASSERT_EQ(host_network.exit_code, 0) << host_network.describe();
  std::istringstream isolated_lines(isolated.out), host_network_lines(host_network.out);
  for (const auto& kind : kinds) {
    std::string own, with_host_network;
    std::getline(isolated_lines, own);
    std::getline(host_network_lines, with_host_network);
    std::string host = std::filesystem::read_symlink("/proc/self/ns/" + kind).string();
    EXPECT_TRUE(own.starts_with(kind + ":[")) << own;
    EXPECT_NE(own, host) << kind;
    if (kind == "net")
      EXPECT_EQ(with_host_network, host);
    else
      EXPECT_NE(with_host_network, host) << kind;
  }
}

TEST_F(RunTest, Hostname) {
  auto named = payload_run({"hostname"}, {"--hostname", "web1"});
  ASSERT_EQ(named.exit_code, 0) << named.describe();
  EXPECT_EQ(named.out, "web1\n");
  auto generated = payload_run({"hostname"});
  ASSERT_EQ(generated.exit_code, 0) << generated.describe();
  EXPECT_EQ(generated.out.size(), 13u) << generated.out;
  auto file = run({}, payload(), {"sh", "-c", "hostname; cat /etc/hostname /etc/hosts"});
  ASSERT_EQ(file.exit_code, 0) << file.describe();
  std::string name = file.out.substr(0, file.out.find('\n') + 1);
  EXPECT_TRUE(file.out.starts_with(name + name)) << file.out;
  EXPECT_TRUE(contains(file.out, "localhost")) << file.out;
}

TEST_F(RunTest, ImageConfigApplies) {
  SBX_REQUIRES(rig_has_image("test/payload:config"), "test/payload:config in the rig");
  std::string image = rig().image("test/payload:config");
  auto id = run({}, image, {});
  ASSERT_EQ(id.exit_code, 0) << id.describe();
  EXPECT_TRUE(id.out.starts_with("uid=1000 euid=1000 suid=1000 gid=1000")) << id.out;
  EXPECT_TRUE(contains(id.out, "10") && contains(id.out, "29")) << id.out;
  auto cwd = run({"-w", "/tmp"}, image, {"cwd"});
  EXPECT_EQ(cwd.out, "/tmp\n") << cwd.describe();
  auto env = run({"-e", "SBX_FROM_IMAGE=flag", "-e", "NEW=1"}, image, {"env"});
  EXPECT_TRUE(contains(env.out, "SBX_FROM_IMAGE=flag\n")) << env.out;
  EXPECT_TRUE(contains(env.out, "SBX_SPACED=a b  c\n")) << env.out;
  EXPECT_TRUE(contains(env.out, "HOME=/home/tester\n")) << env.out;
  EXPECT_TRUE(contains(env.out, "NEW=1\n")) << env.out;
  auto ep = run({"--entrypoint", "/bin/echo"}, image, {"replaced"});
  EXPECT_EQ(ep.out, "replaced\n") << ep.describe();
  // docker's `--entrypoint=`: no entrypoint (and no image command), only the one given.
  auto cleared = run({"--entrypoint="}, image, {"/bin/echo", "cleared"});
  EXPECT_EQ(cleared.out, "cleared\n") << cleared.describe();
  auto none = run({"--entrypoint="}, image, {});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_TRUE(contains(none.err, "no command specified")) << none.describe();
}

TEST_F(RunTest, EnvFile) {
  fs::path file = test_dir() / "env";
  std::ofstream(file) << "# comment\nFROM_FILE=1\nOVERRIDE=file\n";
  auto r = payload_run({"env"}, {"--env-file", file.string(), "-e", "OVERRIDE=flag"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "FROM_FILE=1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "OVERRIDE=flag\n")) << r.out;
}

// podman passes the proxy variables on unless --http-proxy=false; -e still wins.
TEST_F(RunTest, ProxyVariablesReachTheContainer) {
  RunOptions proxy;
  proxy.env = {"HTTPS_PROXY=http://proxy.example:3128", "no_proxy=localhost,.internal"};
  std::vector<std::string> args{"payload", "env"};
  auto passed = run({}, payload(), args, proxy);
  ASSERT_EQ(passed.exit_code, 0) << passed.describe();
  EXPECT_TRUE(contains(passed.out, "HTTPS_PROXY=http://proxy.example:3128\n")) << passed.out;
  EXPECT_TRUE(contains(passed.out, "no_proxy=localhost,.internal\n")) << passed.out;
  auto overridden = run({"-e", "HTTPS_PROXY=http://other:1"}, payload(), args, proxy);
  ASSERT_EQ(overridden.exit_code, 0) << overridden.describe();
  EXPECT_TRUE(contains(overridden.out, "HTTPS_PROXY=http://other:1\n")) << overridden.out;
  auto stopped = run({"--http-proxy=false"}, payload(), args, proxy);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.describe();
  EXPECT_FALSE(contains(stopped.out, "HTTPS_PROXY")) << stopped.out;
  EXPECT_FALSE(contains(stopped.out, "no_proxy")) << stopped.out;
}

TEST_F(RunTest, ReadOnlyRootfsAndTmpfs) {
  auto ro = payload_run({"write", "/f", "x"}, {"--read-only"});
  EXPECT_EQ(ro.exit_code, 1) << ro.describe();
  auto tmp = payload_run({"write", "/scratch/f", "x"}, {"--read-only", "--tmpfs", "/scratch"});
  EXPECT_EQ(tmp.exit_code, 0) << tmp.describe();
}

TEST_F(RunTest, ExitCodes) {
  EXPECT_EQ(payload_run({"exit", "0"}).exit_code, 0);
  EXPECT_EQ(payload_run({"exit", "3"}).exit_code, 3);
  auto missing = run({}, payload(), {"no-such-command"});
  EXPECT_EQ(missing.exit_code, 127) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "no-such-command")) << missing.err;
  EXPECT_EQ(run({}, payload(), {"/etc/passwd"}).exit_code, 126);
  EXPECT_EQ(payload_run({"kill-self", "KILL"}).exit_code, 137);
  EXPECT_EQ(run({}, rig().image("test/no-such-image:latest"), {"true"}).exit_code, 125);
}

TEST_F(RunTest, ZombiesAreReaped) {
  auto r = run({}, payload(), {"sh", "-c", "payload spawn-zombies 3; sleep 0.5; payload zombies"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "zombies=0")) << r.out;
}

TEST_F(RunTest, SigtermReachesTheCommand) {
  auto bg = sandbox_background({"run", "--rm", payload(), "payload", "wait-signal", "30"});
  for (int i = 0; i < 200 && !contains(bg->out_so_far(), "ready"); ++i) ::usleep(50000);
  ASSERT_TRUE(contains(bg->out_so_far(), "ready")) << bg->err_so_far();
  ::kill(bg->pid(), SIGTERM);  // sandbox itself, not its process group
  auto r = bg->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "got SIGTERM")) << r.out;
}

// The container is a session of its own, led by its init (pid 1): the
// caller's terminal is not its controlling terminal (no TIOCSTI into it).
TEST_F(RunTest, TheContainerIsASessionOfItsOwn) {
  auto r = run({}, payload(), {"sh", "-c", "cut -d' ' -f6 /proc/self/stat"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(RunTest, KeepIdRunsAsTheInvokingUser) {
  auto r = payload_run({"id"}, {"--userns=keep-id"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("uid=" + std::to_string(::getuid()) + " ")) << r.out;
}

TEST_F(RunTest, TtyUnderARealPty) {
  SBX_REQUIRES(have_program("script"), "script (package bsdutils)");
  std::string command =
      sandbox_bin() + " --root " + root().string() + " run --rm -t " + payload() + " payload tty";
  std::string cmdline = "script -qec '" + command + "' /dev/null";
  FILE* pipe = ::popen(cmdline.c_str(), "r");
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[512];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_TRUE(contains(out, "stdin=tty ttyname=/dev/pts/0")) << out;
  EXPECT_TRUE(contains(out, "stdout=tty")) << out;
}

}  // namespace
}  // namespace sbx::it
