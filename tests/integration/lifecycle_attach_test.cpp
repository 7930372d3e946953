// create, start -a/-i, attach, pause/unpause (the refusal where a container
// has no cgroup of its own), events and system prune, as the unprivileged user.
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "lifecycle_fixture.hpp"

namespace sbx::it {
namespace {

using namespace std::chrono_literals;

class AttachTest : public LifecycleTest {
 protected:
  // The events so far (--until now: prints and exits), with `more` flags.
  RunResult events_until_now(const std::vector<std::string>& more) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string until = std::to_string(now / 1000000000) + "." + [&] {
      std::string nanos = std::to_string(now % 1000000000);
      return std::string(9 - nanos.size(), '0') + nanos;
    }();
    std::vector<std::string> args{"events", "--since", "0", "--until", until};
    args.insert(args.end(), more.begin(), more.end());
    return sandbox(args);
  }
};

TEST_F(AttachTest, CreateThenStartAttachedPrintsOutputAndReturnsExitCode) {
  std::string id =
      create({"--name", "later"}, {"sh", "-c", "echo to-out; echo to-err >&2; exit 5"});
  EXPECT_EQ(status_of("later"), "created");
  auto ps = sandbox({"ps", "-a"});
  EXPECT_TRUE(contains(ps.out, "Created")) << ps.out;
  EXPECT_EQ(sandbox({"ps", "-q"}).out, "");  // not running

  auto started = sandbox({"start", "-a", "later"});
  EXPECT_EQ(started.exit_code, 5) << started.describe();
  EXPECT_EQ(started.out, "to-out\n") << started.describe();
  EXPECT_EQ(started.err, "to-err\n") << started.describe();
  EXPECT_EQ(status_of("later"), "exited");
  EXPECT_EQ(inspect("later")["State"]["ExitCode"], 5);
  // The log has it too, as for run -d.
  EXPECT_TRUE(contains(sandbox({"logs", "later"}).out, "to-out"));
}

TEST_F(AttachTest, StartInteractiveSendsInputToTheContainer) {
  create({"-i", "--name", "reader"}, {"cat"});
  RunOptions input;
  input.stdin_data = "piped line\n";
  auto started = sandbox({"start", "-ai", "reader"}, input);
  // cat ends at the end of our input (start -i closes the container's stdin then).
  EXPECT_EQ(started.exit_code, 0) << started.describe();
  EXPECT_EQ(started.out, "piped line\n") << started.describe();
}

TEST_F(AttachTest, CreateRefusesUnknownFlagsAndLeavesNothing) {
  auto r = sandbox({"create", "--bogus", payload()});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "--bogus")) << r.err;
  EXPECT_EQ(sandbox({"ps", "-aq"}).out, "");
}

TEST_F(AttachTest, AttachForwardsInputAndSeesOutputAfterAttaching) {
  run_detached({"-i", "--name", "echo"},
               {"sh", "-c", "while read line; do echo \"got $line\"; done; exit 7"});
  RunOptions input;
  input.stdin_data = "first\n";
  auto attached = sandbox_background({"attach", "echo"}, input);
  // Output that exists only after the input sent through the attach.
  EXPECT_TRUE(eventually([&] { return contains(attached->out_so_far(), "got first"); }))
      << attached->out_so_far() << attached->err_so_far();
  // The end of attach's input does not end the container's (docker's attach).
  EXPECT_EQ(status_of("echo"), "running");
  // attach stays until the container ends, and returns its exit code.
  EXPECT_TRUE(attached->running());
  auto killed = sandbox({"kill", "-s", "KILL", "echo"});
  EXPECT_EQ(killed.exit_code, 0) << killed.describe();
  auto done = attached->wait();
  EXPECT_EQ(done.exit_code, 137) << done.describe();
}

TEST_F(AttachTest, AttachReturnsTheExitCodeAndRefusesStoppedContainers) {
  run_detached({"-i", "--name", "once"}, {"sh", "-c", "read x; echo \"read $x\"; exit 7"});
  RunOptions input;
  input.stdin_data = "it\n";
  auto attached = sandbox({"attach", "once"}, input);
  EXPECT_EQ(attached.exit_code, 7) << attached.describe();
  EXPECT_TRUE(contains(attached.out, "read it")) << attached.describe();
  auto again = sandbox({"attach", "once"});
  EXPECT_EQ(again.exit_code, 125) << again.describe();
  EXPECT_TRUE(contains(again.err, "cannot attach to a stopped container")) << again.err;
}

TEST_F(AttachTest, AttachSocketIsTheUsersOnly) {
  std::string id = run_detached({}, {"sleep", "60"});
  auto j = inspect(id);
  ASSERT_FALSE(j.is_null());
  struct stat st {};
  bool found = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(runtime_dir()))
    if (entry.path().filename() == "attach" && entry.path().parent_path().filename() == id) {
      ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
      EXPECT_TRUE(S_ISSOCK(st.st_mode));
      EXPECT_EQ(st.st_mode & 0777, 0600u);
      found = true;
    }
  EXPECT_TRUE(found) << "no attach socket under " << runtime_dir();
}

TEST_F(AttachTest, PauseIsRefusedWithoutACgroupOfItsOwn) {
  run_detached({"--name", "nocg"}, {"sleep", "60"});
  auto r = sandbox({"pause", "nocg"});
  // The containers of this suite have no cgroup (no limits): the freezer
  // has nothing to freeze, and the refusal says why and what would work.
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_TRUE(contains(r.err, "has no cgroup v2 cgroup of its own")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: run it with a limit")) << r.err;
  EXPECT_EQ(status_of("nocg"), "running");
  EXPECT_EQ(inspect("nocg")["State"]["Paused"], false);
  auto un = sandbox({"unpause", "nocg"});
  EXPECT_EQ(un.exit_code, 125) << un.describe();
  auto stopped = sandbox({"pause", "nosuch"});
  EXPECT_TRUE(contains(stopped.err, "no such container: nosuch")) << stopped.err;
}

TEST_F(AttachTest, EventsShowTheLifecycleWithExitCodeAndFilters) {
  create({"--name", "ev"}, {"sh", "-c", "exit 3"});
  EXPECT_EQ(sandbox({"start", "-a", "ev"}).exit_code, 3);
  auto all = events_until_now({"--filter", "container=ev"});
  ASSERT_EQ(all.exit_code, 0) << all.describe();
  auto got = lines(all.out);
  ASSERT_EQ(got.size(), 3u) << all.out;
  EXPECT_TRUE(contains(got[0], " container create ")) << got[0];
  EXPECT_TRUE(contains(got[0], "name=ev")) << got[0];
  EXPECT_TRUE(contains(got[1], " container start ")) << got[1];
  EXPECT_TRUE(contains(got[2], " container die ")) << got[2];
  EXPECT_TRUE(contains(got[2], "exitCode=3")) << got[2];

  auto dies =
      events_until_now({"--filter", "event=die", "--format",
                        "{{.Action}} {{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}"});
  EXPECT_EQ(dies.out, "die 3 ev\n") << dies.describe();
  auto pulls = events_until_now({"--filter", "type=image", "--format", "{{.Type}} {{.Action}}"});
  EXPECT_TRUE(contains(pulls.out, "image pull")) << pulls.describe();
  EXPECT_FALSE(contains(pulls.out, "container")) << pulls.out;
  auto none = events_until_now({"--filter", "container=other"});
  EXPECT_EQ(none.out, "") << none.describe();

  sandbox({"rm", "ev"});
  auto removed = events_until_now({"--filter", "event=remove", "--format", "{{json .}}"});
  auto doc = nlohmann::json::parse(removed.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << removed.out;
  EXPECT_EQ(doc["Type"], "container");
  EXPECT_EQ(doc["Actor"]["Attributes"]["name"], "ev");

  auto bad = sandbox({"events", "--filter", "colour=red", "--until", "0"});
  EXPECT_EQ(bad.exit_code, 125) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "invalid filter 'colour=red'")) << bad.err;
  auto bad_time = sandbox({"events", "--since", "yesterday-ish", "--until", "0"});
  EXPECT_EQ(bad_time.exit_code, 125) << bad_time.describe();
}

TEST_F(AttachTest, EventsFollowUntilInterrupted) {
  auto follow =
      sandbox_background({"events", "--format", "{{.Action}} {{.Actor.Attributes.name}}"});
  // Without --since only new events: wait until the follower is reading, by
  // making events until one of them shows up.
  int made = 0;
  EXPECT_TRUE(eventually([&] {
    create({"--name", "f" + std::to_string(made++)}, {"true"});
    return contains(follow->out_so_far(), "create f");
  })) << follow->out_so_far();
  EXPECT_TRUE(follow->running());  // it follows until interrupted
  follow->kill(SIGINT);
}

// --until in the future: it follows (woken by the log) until then, then ends
// by itself; times in docker's local forms, printed with their zone.
TEST_F(AttachTest, EventsUntilALaterTimeFollowThenEnd) {
  auto in_3s = std::to_string(std::time(nullptr) + 3);
  auto follow = sandbox_background(
      {"events", "--since", "2020-01-01", "--until", in_3s, "--filter", "event=create"},
      RunOptions{.env = {"TZ=UTC0"}});
  create({"--name", "soon"}, {"true"});
  auto r = follow->wait();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, " container create ")) << r.out;
  EXPECT_TRUE(contains(r.out, "name=soon")) << r.out;
  EXPECT_EQ(r.out.substr(29, 2), "Z ") << r.out;  // 2026-01-02T03:04:05.123456789Z
  auto in_cet = sandbox(
      {"events", "--since", "2020-01-01T00:00", "--until", in_3s, "--filter", "event=create"},
      RunOptions{.env = {"TZ=CET-1"}});
  EXPECT_EQ(in_cet.exit_code, 0) << in_cet.describe();
  EXPECT_TRUE(contains(in_cet.out, "+01:00 container create ")) << in_cet.out;
}

TEST_F(AttachTest, SystemPruneKeepsRunningContainersAndTheirImages) {
  std::string keep = run_detached({"--name", "keep"}, {"sleep", "60"});
  std::string created = create({"--name", "never"}, {"true"});
  auto exited = sandbox({"run", "--network", "none", "--name", "done", payload(), "true"});
  ASSERT_EQ(exited.exit_code, 0) << exited.describe();
  std::string done = inspect("done")["Id"];

  auto refused = sandbox({"system", "prune"});  // no TTY, no -f
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "add -f")) << refused.err;
  EXPECT_EQ(lines(sandbox({"ps", "-aq"}).out).size(), 3u);

  auto pruned = sandbox({"system", "prune", "-a", "-f"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.describe();
  EXPECT_TRUE(contains(pruned.out, "Deleted Containers:")) << pruned.out;
  EXPECT_TRUE(contains(pruned.out, created)) << pruned.out;
  EXPECT_TRUE(contains(pruned.out, done)) << pruned.out;
  EXPECT_FALSE(contains(pruned.out, keep)) << pruned.out;
  EXPECT_TRUE(contains(pruned.out, "Total reclaimed space:")) << pruned.out;
  EXPECT_EQ(sandbox({"ps", "-aq", "--no-trunc"}).out, keep + "\n");
  EXPECT_EQ(status_of("keep"), "running");
  auto images = sandbox({"images", "-q"});
  EXPECT_EQ(lines(images.out).size(), 1u) << images.out;  // the running one's image stays
}

}  // namespace
}  // namespace sbx::it
