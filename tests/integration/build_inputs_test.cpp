// `sandbox build` inputs beyond a context directory: the context (or a lone
// Dockerfile) on stdin, hostile archives there, COPY --chown by name from the
// image's own /etc files, ADD of a tar keeping its owners, and ONBUILD
// triggers of a base image.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_fixture.hpp"

namespace sbx::it {
namespace {

// python3 -m http.server on 127.0.0.1 serving `dir`, killed and reaped when it goes.
class LocalHttpServer {
 public:
  explicit LocalHttpServer(const fs::path& dir) {
    port_ = unused_loopback_port();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      ::execlp("python3", "python3", "-m", "http.server", port.c_str(), "--bind", "127.0.0.1",
               "--directory", dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !accepts(); ++i) ::usleep(50000);
  }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;
  ~LocalHttpServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }
  bool accepts() const {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

bool image_platform_is_amd64() {
  utsname host{};
  return ::uname(&host) == 0 && std::string(host.machine) == "x86_64";
}

// Writes a tar of the files given as name -> text (python's tarfile), optionally gzipped.
std::string tar_script(const std::string& out, const std::string& mode,
                       const std::vector<std::pair<std::string, std::string>>& files) {
  std::string script =
      "import io, sys, tarfile\n"
      "with tarfile.open(sys.argv[1] + '/" +
      out + "', '" + mode + "') as t:\n";
  for (const auto& [name, text] : files)
    script += "    data = b'" + text + "'\n    info = tarfile.TarInfo('" + name +
              "'); info.size = len(data); t.addfile(info, io.BytesIO(data))\n";
  return script;
}

TEST_F(BuildTest, StdinTarIsTheContextPlainOrGzip) {
  SBX_REQUIRES(have_program("python3"), "python3 (to write the test tars)");
  std::string dockerfile = "FROM " + base() + "\\nCOPY data.txt /data.txt\\n";
  python_in_context(
      tar_script("ctx.tar", "w", {{"Dockerfile", dockerfile}, {"data.txt", "v1\\n"}}));
  python_in_context(
      tar_script("ctx.tgz", "w:gz", {{"sub/Other.dockerfile", dockerfile}, {"data.txt", "v2\\n"}}));
  RunResult plain = build_stdin(read_context("ctx.tar"));
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  RunResult run = run_image(last_line(plain.out), "cat /data.txt");
  EXPECT_EQ(run.out, "v1\n") << run.describe();
  RunResult gzip = build_stdin(read_context("ctx.tgz"), {"-f", "sub/Other.dockerfile"});
  ASSERT_EQ(gzip.exit_code, 0) << "-f names a file in the archive: " << gzip.describe();
  run = run_image(last_line(gzip.out), "cat /data.txt");
  EXPECT_EQ(run.out, "v2\n") << run.describe();
}

TEST_F(BuildTest, StdinDockerfileBuildsWithNoContextAndCopyFailsClearly) {
  write("data.txt", "in a directory nobody named\n");
  RunResult alone = build_stdin("FROM " + base() + "\nRUN echo alone > /x\n");
  ASSERT_EQ(alone.exit_code, 0) << alone.describe();
  RunResult run = run_image(last_line(alone.out), "cat /x");
  EXPECT_EQ(run.out, "alone\n") << run.describe();
  RunResult copy = build_stdin("FROM " + base() + "\nCOPY data.txt /\n");
  EXPECT_EQ(copy.exit_code, 125) << copy.describe();
  EXPECT_NE(copy.err.find("line 2: COPY"), std::string::npos) << copy.describe();
  EXPECT_NE(copy.err.find("needs a build context"), std::string::npos) << copy.describe();
  RunResult both = build_stdin("FROM " + base() + "\n", {"-f", "-"});
  EXPECT_EQ(both.exit_code, 125) << both.describe();
  EXPECT_NE(both.err.find("cannot both come from stdin"), std::string::npos) << both.describe();
}

// A context archive from stdin gets a layer's rules: no entry out of the
// context, no hardlink out, a symlink resolves inside the context, and the
// Dockerfile itself is read inside it.
TEST_F(BuildTest, HostileStdinTarsStayInTheContext) {
  SBX_REQUIRES(have_program("python3"), "python3 (to write the test tars)");
  python_in_context(tar_script("climb.tar", "w", {{"../../../../escaped-by-stdin", "evil\\n"}}));
  RunResult climb = build_stdin(read_context("climb.tar"));
  EXPECT_EQ(climb.exit_code, 125) << climb.describe();
  EXPECT_NE(climb.err.find("escaped-by-stdin"), std::string::npos)
      << "the entry is named: " << climb.describe();
  EXPECT_FALSE(fs::exists(test_dir().parent_path() / "escaped-by-stdin"));
  EXPECT_FALSE(fs::exists(fs::path("/tmp/escaped-by-stdin")));
  python_in_context(
      "import io, sys, tarfile\n"
      "def add(t, info, data=b''):\n"
      "    info.size = len(data); t.addfile(info, io.BytesIO(data))\n"
      "def link(name, target, kind):\n"
      "    info = tarfile.TarInfo(name); info.type = kind; info.linkname = target; return info\n"
      "with tarfile.open(sys.argv[1] + '/hardlink.tar', 'w') as t:\n"
      "    add(t, link('passwd', '/etc/passwd', tarfile.LNKTYPE))\n"
      "with tarfile.open(sys.argv[1] + '/symlinks.tar', 'w') as t:\n"
      "    add(t, link('etc-link', '/etc', tarfile.SYMTYPE))\n"
      "    add(t, tarfile.TarInfo('Dockerfile'), b'FROM " +
      base() +
      "\\nCOPY etc-link/passwd /p\\n')\n"
      "with tarfile.open(sys.argv[1] + '/dockerfile-link.tar', 'w') as t:\n"
      "    add(t, link('Dockerfile', '/etc/passwd', tarfile.SYMTYPE))\n");
  RunResult hardlink = build_stdin(read_context("hardlink.tar"));
  EXPECT_EQ(hardlink.exit_code, 125) << hardlink.describe();
  EXPECT_NE(hardlink.err.find("passwd"), std::string::npos) << hardlink.describe();
  RunResult symlink = build_stdin(read_context("symlinks.tar"));
  EXPECT_EQ(symlink.exit_code, 125)
      << "etc-link/passwd resolves in the context: " << symlink.describe();
  EXPECT_NE(symlink.err.find("line 2: COPY"), std::string::npos) << symlink.describe();
  RunResult dockerfile = build_stdin(read_context("dockerfile-link.tar"));
  EXPECT_EQ(dockerfile.exit_code, 125) << dockerfile.describe();
  EXPECT_EQ(dockerfile.err.find("root:"), std::string::npos)
      << "the host's /etc/passwd is not read as the Dockerfile: " << dockerfile.describe();
  EXPECT_NE(dockerfile.err.find("read the Dockerfile"), std::string::npos) << dockerfile.describe();
}

TEST_F(BuildTest, ChownByNameFromTheImagesOwnPasswdAndGroup) {
  write("f.txt", "f\n");
  std::string setup = "FROM " + base() +
                      "\n"
                      "RUN echo 'app:x:1234:2345::/home/app:/bin/sh' >> /etc/passwd && "
                      "echo 'crew:x:3456:' >> /etc/group\n";
  write("Dockerfile", setup +
                          "ARG WHO=app\n"
                          "COPY --chown=app f.txt /a\n"
                          "COPY --chown=${WHO}:crew f.txt /b\n"
                          "COPY --chown=app:77 f.txt /c\n"
                          "COPY --chown=55 f.txt /d\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "stat -c '%u:%g' /a /b /c /d");
  EXPECT_EQ(run.out, "1234:2345\n1234:3456\n1234:77\n55:55\n") << run.describe();
  write("Dockerfile", setup + "COPY --chown=nobody-here f.txt /e\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("line 3: COPY"), std::string::npos) << "names the step: " << r.describe();
  EXPECT_NE(r.err.find("no user 'nobody-here'"), std::string::npos) << r.describe();
  write("Dockerfile", setup + "COPY --chown=app:no-such-group f.txt /e\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("no group 'no-such-group'"), std::string::npos) << r.describe();
}

// /etc/passwd a symlink climbing out of the rootfs: the host's file (which
// names the user running this test) is never read.
TEST_F(BuildTest, ChownNeverReadsTheHostsPasswdThroughALink) {
  const passwd* me = ::getpwuid(::getuid());
  ASSERT_NE(me, nullptr);
  std::string name = me->pw_name;
  write("f.txt", "f\n");
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "RUN rm -f /etc/passwd && "
                          "ln -s ../../../../../../../../../../../../etc/passwd /etc/passwd\n"
                          "COPY --chown=" +
                          name + " f.txt /a\n");
  RunResult r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("no user '" + name + "'"), std::string::npos) << r.describe();
}

TEST_F(BuildTest, AddOfALocalTarKeepsItsOwners) {
  SBX_REQUIRES(have_program("python3"), "python3 (to write the test tars)");
  python_in_context(
      "import io, sys, tarfile\n"
      "with tarfile.open(sys.argv[1] + '/owned.tar', 'w') as t:\n"
      "    d = tarfile.TarInfo('dir'); d.type = tarfile.DIRTYPE; d.mode = 0o750\n"
      "    d.uid, d.gid = 3, 4; t.addfile(d)\n"
      "    f = tarfile.TarInfo('dir/owned'); f.size = 3; f.uid, f.gid = 1000, 2000\n"
      "    t.addfile(f, io.BytesIO(b'ok\\n'))\n");
  write("plain.txt", "plain\n");
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "ADD owned.tar plain.txt /x/\n"
                          "ADD --chown=5:6 owned.tar /y/\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out),
                            "stat -c '%n %u:%g' /x/dir /x/dir/owned /x/plain.txt /y/dir/owned; "
                            "cat /x/dir/owned");
  EXPECT_EQ(run.out, "/x/dir 3:4\n/x/dir/owned 1000:2000\n/x/plain.txt 0:0\n/y/dir/owned 5:6\nok\n")
      << run.describe();
  RunResult again = build({});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(count(again.out, "--> Using cache"), 2) << again.describe();
}

// A base image with ONBUILD triggers: a child's build runs them right after
// FROM, in its own context; the child keeps only its own ONBUILD.
TEST_F(BuildTest, OnbuildTriggersRunInTheChildAndAreNotInherited) {
  std::string parent = "test/onbuild:" + unique_token();
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "ONBUILD COPY marker.txt /marker\n"
                          "ONBUILD RUN echo triggered > /triggered\n"
                          "RUN echo parent > /parent\n");
  RunResult r = build({"-t", parent});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json triggers = config_of(parent)["Config"]["OnBuild"];
  EXPECT_EQ(triggers,
            nlohmann::json({"COPY marker.txt /marker", "RUN echo triggered > /triggered"}))
      << triggers.dump();
  RunResult run = run_image(parent, "test ! -e /triggered && test ! -e /marker && cat /parent");
  EXPECT_EQ(run.out, "parent\n") << "triggers do not run in their own image: " << run.describe();

  write("marker.txt", "from the child's context\n");
  std::string child = "test/onbuild-child:" + unique_token();
  write("Dockerfile", "FROM " + parent +
                          "\n"
                          "RUN cat /marker /triggered > /both\n"
                          "ONBUILD RUN echo grandchild\n");
  r = build({"-t", child});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("ONBUILD trigger: RUN echo triggered"), std::string::npos) << r.describe();
  run = run_image(child, "cat /both");
  EXPECT_EQ(run.out, "from the child's context\ntriggered\n") << run.describe();
  EXPECT_EQ(config_of(child)["Config"]["OnBuild"], nlohmann::json({"RUN echo grandchild"}))
      << config_of(child).dump();

  std::string bare = "test/onbuild-bare:" + unique_token();
  write("Dockerfile", "FROM " + parent + "\n");
  r = build({"-t", bare});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  nlohmann::json inherited = config_of(bare)["Config"].value("OnBuild", nlohmann::json());
  EXPECT_TRUE(inherited.is_null() || inherited.empty()) << inherited.dump();
  run = run_image(bare, "cat /triggered");
  EXPECT_EQ(run.out, "triggered\n") << run.describe();

  write("Dockerfile", "FROM " + base() + "\nONBUILD FROM " + base() + "\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("line 2: ONBUILD FROM is not allowed"), std::string::npos) << r.describe();
}

// RUN --mount=type=bind,from=: another stage's or an image's files, read-only
// unless rw, and what a rw step writes there is discarded; a link in the
// stage cannot point the source at a host path.
TEST_F(BuildTest, RunMountBindFromAStageOrAnImage) {
  write("Dockerfile", "FROM " + base() +
                          " AS tools\n"
                          "RUN mkdir -p /opt/tool && echo tool-data > /opt/tool/data\n"
                          "FROM " +
                          base() +
                          "\n"
                          "RUN --mount=type=bind,from=tools,source=/opt/tool,target=/t "
                          "cat /t/data > /copied && ! touch /t/new 2>/dev/null\n"
                          "RUN --mount=type=bind,from=tools,source=/opt/tool,target=/t,rw "
                          "echo changed > /t/data && cat /t/data > /rw-seen\n"
                          "RUN --mount=type=bind,from=tools,source=/opt/tool,target=/t "
                          "cat /t/data > /after-rw\n"
                          "RUN --mount=type=bind,from=" +
                          base() +
                          ",target=/img test -x /img/bin/busybox && echo image > /from-image\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "cat /copied /rw-seen /after-rw /from-image");
  EXPECT_EQ(run.out, "tool-data\nchanged\ntool-data\nimage\n") << run.describe();
  RunResult again = build({});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(count(again.out, "--> Using cache"), 5) << again.describe();

  write("Dockerfile", "FROM " + base() +
                          " AS tools\n"
                          "RUN ln -s ../../../../../../../../../etc /host-etc\n"
                          "FROM " +
                          base() +
                          "\n"
                          "RUN --mount=type=bind,from=tools,source=/host-etc,target=/e "
                          "ls /e > /listed\n");
  r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult listed = run_image(last_line(r.out), "cat /listed");
  ASSERT_TRUE(fs::exists("/etc/os-release")) << "the host's /etc, to tell it apart";
  EXPECT_NE(listed.out.find("passwd\n"), std::string::npos) << listed.describe();
  EXPECT_EQ(listed.out.find("os-release"), std::string::npos)
      << "the link resolved to the stage's own /etc, not the host's: " << listed.describe();
}

// FROM --platform picks that platform's image out of an index; a stage of
// another platform may be copied from but not RUN in (no emulation); the
// predefined platform ARGs follow --platform.
TEST_F(BuildTest, PlatformPicksFromAnIndexAndRefusesEmulation) {
  SBX_REQUIRES_IMAGE("test/multiarch:latest");
  SBX_REQUIRES(image_platform_is_amd64(), "an amd64 host (the rig's index has amd64 and arm64)");
  std::string multi = rig().image("test/multiarch:latest");
  write("Dockerfile", "FROM --platform=linux/arm64 " + multi +
                          " AS arm\n"
                          "FROM " +
                          multi +
                          "\n"
                          "COPY --from=arm /etc/platform-marker /arm-marker\n"
                          "ARG TARGETARCH\n"
                          "RUN echo \"$TARGETARCH\" > /target-arch\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "cat /arm-marker /etc/platform-marker /target-arch");
  EXPECT_EQ(run.out, "linux/arm64/v8\nlinux/amd64\namd64\n") << run.describe();

  write("Dockerfile", "FROM --platform=linux/arm64 " + multi + "\nRUN true\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("line 2: RUN"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("does not emulate"), std::string::npos) << r.describe();

  // The cross-compiling form: the host's tools, the target's ARGs.
  write("Dockerfile", "FROM --platform=$BUILDPLATFORM " + multi +
                          "\n"
                          "ARG TARGETOS TARGETARCH\n"
                          "RUN echo \"$TARGETOS/$TARGETARCH\" > /target\n");
  r = build({"-q", "--platform", "linux/arm64"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  run = run_image(last_line(r.out), "cat /target /etc/platform-marker");
  EXPECT_EQ(run.out, "linux/arm64\nlinux/amd64\n") << run.describe();

  // FROM scratch is the target platform's.
  write("Dockerfile", "FROM scratch\nCOPY Dockerfile /\n");
  std::string scratch = "test/scratch-arm:" + unique_token();
  r = build({"-t", scratch, "--platform", "linux/arm64"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(config_of(scratch)["Architecture"], "arm64") << config_of(scratch).dump();

  write("Dockerfile", "FROM " + multi + "\n");
  r = build({"--platform", "linux/s390x"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("s390x"), std::string::npos) << r.describe();
}

// ADD of a URL: downloaded by sandbox (not in a container), named after the
// URL's path under a directory, mode 0600, never extracted; --checksum checked.
TEST_F(BuildTest, AddOfAUrlDownloadsItAndChecksTheChecksum) {
  SBX_REQUIRES(have_program("python3"), "python3 (http.server)");
  fs::path site = test_dir() / "site";
  fs::create_directories(site);
  std::ofstream(site / "file.txt") << "served\n";
  write("inner.txt", "inner\n");
  python_in_context(tar_script("served.tar", "w", {{"inner.txt", "inner\\n"}}));
  fs::rename(context_ / "served.tar", site / "served.tar");
  LocalHttpServer server(site);
  ASSERT_TRUE(server.accepts()) << "python3 -m http.server did not start";
  std::string sum = "sha256:c5acc4ae7d85cda11df11e6bc0c06ab55bffbd2b3db121d0a9e3ebb98bd98cac";
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "ADD " +
                          server.url("file.txt") +
                          " /web/\n"
                          "ADD --checksum=" +
                          sum + " " + server.url("file.txt?v=1") +
                          " /named.txt\n"
                          "ADD " +
                          server.url("served.tar") + " /arch/\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out),
                            "cat /web/file.txt /named.txt; stat -c '%a %u:%g' /web/file.txt; "
                            "test -f /arch/served.tar && test ! -e /arch/inner.txt && echo kept");
  EXPECT_EQ(run.out, "served\nserved\n600 0:0\nkept\n") << run.describe();

  write("Dockerfile", "FROM " + base() + "\nADD --checksum=sha256:" + std::string(64, '0') + " " +
                          server.url("file.txt") + " /x\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("--checksum=sha256:000"), std::string::npos) << r.describe();
  write("Dockerfile", "FROM " + base() + "\nADD " + server.url("missing.txt") + " /x\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("HTTP status 404"), std::string::npos) << r.describe();
  write("Dockerfile", "FROM " + base() + "\nCOPY " + server.url("file.txt") + " /x\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("COPY does not take URLs"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace sbx::it
