// `sandbox build`: Dockerfiles built from the rig's busybox image. RUN steps run
// in containers, COPY reads the context (confined to it), the layer cache makes
// an unchanged rebuild reuse every step, and bad input gets a clear error.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "build_fixture.hpp"

namespace sbx::it {
namespace {

TEST_F(BuildTest, RunCopyAndConfigInstructions) {
  write("app/one.txt", "one\n");
  write("app/sub/two.txt", "two\n");
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "ARG GREETING=hello\n"
                          "ENV APP_HOME=/srv/app\n"
                          "WORKDIR $APP_HOME\n"
                          "COPY app/ ./\n"
                          "COPY --chown=1000:1000 --chmod=600 app/one.txt /owned.txt\n"
                          "RUN echo \"$GREETING from run\" > made.txt && echo streamed-output\n"
                          "LABEL org.example.kind=\"test build\"\n"
                          "EXPOSE 8080\n"
                          "USER 0:0\n"
                          "CMD [\"cat\", \"made.txt\"]\n");
  std::string tag = "test/built:" + unique_token();
  RunResult r = build({"-t", tag, "--build-arg", "GREETING=hi"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("STEP 1/11: FROM " + base()), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("streamed-output"), std::string::npos) << "RUN output is shown";
  RunResult run = sandbox({"run", "--rm", "--network", "none", tag});
  EXPECT_EQ(run.out, "hi from run\n") << run.describe();
  RunResult files = run_image(tag, "pwd; cat one.txt sub/two.txt; stat -c '%u:%g %a' /owned.txt");
  EXPECT_EQ(files.out, "/srv/app\none\ntwo\n1000:1000 600\n") << files.describe();
  nlohmann::json doc = config_of(tag);
  auto& config = doc["Config"];
  EXPECT_EQ(config["WorkingDir"], "/srv/app") << doc.dump();
  EXPECT_EQ(config["Labels"]["org.example.kind"], "test build") << doc.dump();
  EXPECT_TRUE(config["ExposedPorts"].contains("8080/tcp")) << doc.dump();
  std::string env = config["Env"].dump();
  EXPECT_NE(env.find("APP_HOME=/srv/app"), std::string::npos) << env;
  EXPECT_EQ(env.find("GREETING"), std::string::npos) << "build args stay out of the image";
}

// RUN steps that change nothing each commit the same empty layer; the image
// (one layer directory twice) must still mount for the next step and for run.
TEST_F(BuildTest, RunStepsThatChangeNothingStillStack) {
  write("Dockerfile", "FROM " + base() + "\nRUN true\nRUN true\nRUN true\nRUN echo ok > /ok\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "cat /ok");
  EXPECT_EQ(run.out, "ok\n") << run.describe();
}

TEST_F(BuildTest, UnchangedRebuildIsCachedAndCopyChangeInvalidatesFromThere) {
  write("data/file.txt", "v1\n");
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "RUN echo first > /first\n"
                          "COPY data /data\n"
                          "RUN cat /data/file.txt > /copy\n");
  RunResult first = build({});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(count(first.out, "--> Using cache"), 0) << first.describe();
  RunResult second = build({});
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_EQ(count(second.out, "--> Using cache"), 3) << second.describe();
  EXPECT_EQ(last_line(first.out), last_line(second.out)) << "same image id";
  write("data/file.txt", "v2\n");
  RunResult third = build({"-t", "test/cache:" + unique_token()});
  ASSERT_EQ(third.exit_code, 0) << third.describe();
  EXPECT_EQ(count(third.out, "--> Using cache"), 1) << "only the RUN before the COPY\n"
                                                    << third.describe();
  EXPECT_NE(last_line(first.out), last_line(third.out));
  RunResult run = run_image(last_line(third.out), "cat /copy");
  EXPECT_EQ(run.out, "v2\n") << run.describe();
  RunResult no_cache = build({"--no-cache"});
  ASSERT_EQ(no_cache.exit_code, 0) << no_cache.describe();
  EXPECT_EQ(count(no_cache.out, "--> Using cache"), 0) << no_cache.describe();
}

TEST_F(BuildTest, FailingRunNamesTheStepExitsWithItsStatusAndTagsNothing) {
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "RUN echo ok > /ok\n"
                          "RUN exit 7\n");
  std::string tag = "test/failed:" + unique_token();
  RunResult r = build({"-t", tag});
  EXPECT_EQ(r.exit_code, 7) << r.describe();
  EXPECT_NE(r.err.find("step 3/3 'RUN exit 7': exit status 7"), std::string::npos) << r.describe();
  RunResult inspect = sandbox({"inspect", tag});
  EXPECT_NE(inspect.exit_code, 0) << "no image is tagged: " << inspect.describe();
  RunResult ps = sandbox({"ps", "-a", "-q"});
  EXPECT_EQ(ps.out, "") << "the step's container is removed";
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "RUN echo ok > /ok\n"
                          "RUN true\n");
  RunResult fixed = build({"-t", tag});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.describe();
  EXPECT_EQ(count(fixed.out, "--> Using cache"), 1) << "the step that succeeded stays cached";
}

TEST_F(BuildTest, MultiStageBuildsOnlyTheStagesTheTargetNeeds) {
  write("Dockerfile", "FROM " + base() +
                          " AS builder\n"
                          "RUN echo built > /artifact\n"
                          "FROM " +
                          base() +
                          " AS broken\n"
                          "RUN exit 1\n"
                          "FROM builder AS final\n"
                          "RUN cat /artifact > /final\n"
                          "FROM " +
                          base() +
                          "\n"
                          "COPY --from=final /final /artifact /from-stage/\n"
                          "COPY --from=" +
                          base() + " /bin/busybox /from-image\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.rfind("sha256:", 0), 0u) << "-q prints the id only: " << r.describe();
  EXPECT_EQ(count(r.out, "\n"), 1) << r.describe();
  RunResult run = run_image(last_line(r.out),
                            "cat /from-stage/final /from-stage/artifact; "
                            "test -x /from-image && test ! -e /final && echo ok");
  EXPECT_EQ(run.out, "built\nbuilt\nok\n") << run.describe();
  RunResult target = build({"--target", "builder"});
  ASSERT_EQ(target.exit_code, 0) << target.describe();
  EXPECT_EQ(target.out.find("RUN cat /artifact"), std::string::npos) << target.describe();
  RunResult broken = build({"--target", "broken"});
  EXPECT_EQ(broken.exit_code, 1) << broken.describe();
  RunResult missing = build({"--target", "nope"});
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_NE(missing.err.find("target stage 'nope' not found"), std::string::npos)
      << missing.describe();
}

TEST_F(BuildTest, DockerignoreExcludesFiles) {
  write("keep.txt", "keep\n");
  write("secret.key", "secret\n");
  write("logs/a.log", "log\n");
  write(".dockerignore", "*.key\nlogs\n");
  write("Dockerfile", "FROM " + base() + "\nCOPY . /ctx/\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "ls -A /ctx");
  EXPECT_EQ(run.out, ".dockerignore\nDockerfile\nkeep.txt\n") << run.describe();
  write("Dockerfile", "FROM " + base() + "\nCOPY secret.key /\n");
  RunResult excluded = build({});
  EXPECT_EQ(excluded.exit_code, 125) << excluded.describe();
  EXPECT_NE(excluded.err.find("excluded by .dockerignore"), std::string::npos)
      << excluded.describe();
}

TEST_F(BuildTest, ContextIsConfinedSymlinksAndDotDot) {
  write("dir/plain.txt", "plain\n");
  fs::create_symlink("/etc", context_ / "dir" / "etc-link");
  fs::create_symlink("/etc/passwd", context_ / "passwd-link");
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "COPY dir /copied/\n"
                          "COPY ../../../../etc/hostname* /dotdot/\n");
  RunResult r = build({"-q"});
  EXPECT_EQ(r.exit_code, 125) << "../ stays in the context, which has no etc/: " << r.describe();
  write("Dockerfile", "FROM " + base() +
                          "\n"
                          "COPY dir /copied/\n");
  r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "readlink /copied/etc-link; ls /copied");
  EXPECT_EQ(run.out, "/etc\netc-link\nplain.txt\n")
      << "the link itself is copied: " << run.describe();
  write("Dockerfile", "FROM " + base() + "\nCOPY passwd-link /p\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << "a link out of the context resolves inside it (no etc/passwd "
                                 "there): "
                              << r.describe();
}

TEST_F(BuildTest, BadInputGetsClearErrors) {
  write("Dockerfile", "FROM " + base() + "\nRUN true\nBOGUS thing\n");
  RunResult r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("line 3: unknown instruction: BOGUS"), std::string::npos) << r.describe();
  write("Dockerfile", "FROM " + base() + "\nCOPY missing.txt /\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("line 2: COPY"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos) << r.describe();
  fs::remove(context_ / "Dockerfile");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("no Containerfile or Dockerfile"), std::string::npos) << r.describe();
}

TEST_F(BuildTest, ContainerfilePreferredHeredocsAndStdinDockerfile) {
  write("Dockerfile", "FROM " + base() + "\nRUN echo dockerfile > /which\n");
  write("Containerfile", "FROM " + base() +
                             "\n"
                             "RUN <<EOF\n"
                             "echo containerfile > /which\n"
                             "echo second >> /which\n"
                             "EOF\n"
                             "COPY <<CONF /etc/app.conf\n"
                             "key=value\n"
                             "CONF\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "cat /which /etc/app.conf");
  EXPECT_EQ(run.out, "containerfile\nsecond\nkey=value\n") << run.describe();
  RunOptions in;
  in.stdin_data = "FROM " + base() + "\nRUN echo stdin > /which\n";
  RunResult piped = sandbox({"build", "-q", "--network", "none", "-f", "-", context_.native()}, in);
  ASSERT_EQ(piped.exit_code, 0) << piped.describe();
  run = run_image(last_line(piped.out), "cat /which");
  EXPECT_EQ(run.out, "stdin\n") << run.describe();
}

// ARG before FROM picks the base; RUN --mount: a cache dir kept between builds, a tmpfs, and a
// read-only bind of the context.
TEST_F(BuildTest, GlobalArgsAndRunMounts) {
  write("input.txt", "from the context\n");
  write("Dockerfile",
        "ARG BASE\n"
        "FROM ${BASE}\n"
        "ARG N=1\n"
        "RUN --mount=type=cache,target=/cache echo run$N >> /cache/log && cat /cache/log > /log\n"
        "RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && test ! -e /x\n"
        "RUN --mount=type=bind,source=input.txt,target=/in cat /in > /read && "
        "! touch /in 2>/dev/null\n");
  RunResult r = build({"-q", "--build-arg", "BASE=" + base()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult again = build({"-q", "--build-arg", "BASE=" + base(), "--build-arg", "N=2"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  RunResult run =
      run_image(last_line(again.out), "cat /log /read; test ! -e /scratch/x && echo clean");
  EXPECT_EQ(run.out, "run1\nrun2\nfrom the context\nclean\n") << run.describe();
  write("Dockerfile", "FROM " + base() + "\nRUN --mount=type=bind,source=../..,target=/x true\n");
  RunResult out = build({});
  EXPECT_EQ(out.exit_code, 125) << out.describe();
  EXPECT_NE(out.err.find("leaves the build context"), std::string::npos) << out.describe();
}

// ADD of a local tar: extracted into the destination by the confined unpacker; a tar whose
// entry climbs out with ../ fails the build, naming the entry, and writes nothing outside.
TEST_F(BuildTest, AddExtractsLocalTarsAndRefusesHostileOnes) {
  SBX_REQUIRES(have_program("python3"), "python3 (to write the test tars)");
  std::string script =
      "import io, sys, tarfile\n"
      "def add(t, name, data):\n"
      "    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))\n"
      "with tarfile.open(sys.argv[1] + '/good.tar.gz', 'w:gz') as t:\n"
      "    add(t, 'top/inner.txt', b'inner\\n')\n"
      "with tarfile.open(sys.argv[1] + '/evil.tar', 'w') as t:\n"
      "    add(t, '../../../../escaped-by-add', b'evil\\n')\n";
  std::ofstream(test_dir() / "mktar.py") << script;
  ASSERT_EQ(
      std::system(
          ("python3 " + (test_dir() / "mktar.py").native() + " " + context_.native()).c_str()),
      0);
  write("Dockerfile", "FROM " + base() + "\nADD good.tar.gz /x/\nCOPY good.tar.gz /y/\n");
  RunResult r = build({"-q"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  RunResult run = run_image(last_line(r.out), "cat /x/top/inner.txt; ls /y");
  EXPECT_EQ(run.out, "inner\ngood.tar.gz\n") << "ADD extracts, COPY does not: " << run.describe();
  write("Dockerfile", "FROM " + base() + "\nADD evil.tar /z/\n");
  r = build({});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("escaped-by-add"), std::string::npos)
      << "the entry is named: " << r.describe();
  EXPECT_FALSE(fs::exists(test_dir().parent_path() / "escaped-by-add"));
  EXPECT_FALSE(fs::exists(context_.parent_path() / "escaped-by-add"));
}

}  // namespace
}  // namespace sbx::it
