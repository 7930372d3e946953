// attach, start -a and run -it on a terminal of the test's own (openpty):
// the window size at attach and on change, --detach-keys and their refusal.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "lifecycle_fixture.hpp"

extern char** environ;

namespace sbx::it {
namespace {

// `sandbox ARGS...` with a pty as its controlling terminal and stdio; the
// test holds the master. The destructor kills and reaps it.
class PtyProcess {
 public:
  PtyProcess(const std::vector<std::string>& args, const RunOptions& options, unsigned short rows,
             unsigned short cols) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = cols;
    int slave = -1;
    if (::openpty(&master_, &slave, nullptr, nullptr, &size) < 0) return;
    std::vector<std::string> argv{options.binary.value_or(sandbox_bin())};
    if (options.root) argv.insert(argv.end(), {"--root", options.root->string()});
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    // Ours replace the inherited ones of the same name.
    for (const auto& kv : options.env) {
      std::string key = kv.substr(0, kv.find('=') + 1);
      std::erase_if(env, [&](const std::string& e) { return e.starts_with(key); });
      env.push_back(kv);
    }
    std::vector<char*> argv_c, env_c;
    for (auto& a : argv) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    for (auto& e : env) env_c.push_back(e.data());
    env_c.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      ::ioctl(slave, TIOCSCTTY, 0);
      ::dup2(slave, 0);
      ::dup2(slave, 1);
      ::dup2(slave, 2);
      ::close(slave);
      ::close(master_);
      ::execve(argv_c[0], argv_c.data(), env_c.data());
      ::_exit(127);
    }
    ::close(slave);
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;
  ~PtyProcess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  bool started() const { return pid_ > 0 && master_ >= 0; }
  void type(const std::string& keys) { (void)!::write(master_, keys.data(), keys.size()); }
  void resize(unsigned short rows, unsigned short cols) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = cols;
    ::ioctl(master_, TIOCSWINSZ, &size);  // the kernel sends SIGWINCH
  }
  // Reads until `part` has appeared (true) or `timeout` passed.
  bool read_until(const std::string& part,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output_.find(part) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{master_, POLLIN, 0};
      ::poll(&p, 1, 100);
      char buf[4096];
      ssize_t n;
      while ((n = ::read(master_, buf, sizeof buf)) > 0)
        output_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // The exit code, once it ended (-1 when it did not within `timeout`).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        read_until("\x01never", std::chrono::milliseconds(100));  // what it wrote last
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      read_until("\x01never", std::chrono::milliseconds(50));  // keep the pty drained
    }
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
  }
  const std::string& output() const { return output_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string output_;
};

class TerminalTest : public LifecycleTest {
 protected:
  std::unique_ptr<PtyProcess> sandbox_on_pty(const std::vector<std::string>& args,
                                             unsigned short rows, unsigned short cols) {
    auto p = std::make_unique<PtyProcess>(args, options_for({}), rows, cols);
    EXPECT_TRUE(p->started());
    return p;
  }
};

// A shell in the container that prints its terminal's size for every line.
const std::vector<std::string> kSizePrinter = {"sh", "-c", "while read l; do payload tty; done"};

TEST_F(TerminalTest, AttachGivesTheContainerOurWindowSizeAndItsChanges) {
  run_detached({"-it", "--name", "sized"}, kSizePrinter);
  auto attach = sandbox_on_pty({"attach", "sized"}, 33, 101);
  attach->type("a\r");
  EXPECT_TRUE(attach->read_until("rows=33 cols=101")) << attach->output();
  attach->resize(41, 123);
  int lines = 0;
  EXPECT_TRUE(eventually([&] {  // SIGWINCH is asynchronous: ask until it is seen
    attach->type("b" + std::to_string(lines++) + "\r");
    return attach->read_until("rows=41 cols=123", std::chrono::milliseconds(500));
  })) << attach->output();
  // ctrl-p ctrl-q: docker's words, exit 0, the container goes on.
  attach->type("\x10\x11");
  EXPECT_EQ(attach->wait(), 0) << attach->output();
  EXPECT_TRUE(contains(attach->output(), "read escape sequence")) << attach->output();
  EXPECT_EQ(status_of("sized"), "running");
}

TEST_F(TerminalTest, DetachKeysOfOurChoiceAndTheDefaultPassedOn) {
  run_detached({"-it", "--name", "echoer"},
               {"sh", "-c", "while read l; do echo \"got [$l]\"; done"});
  auto attach = sandbox_on_pty({"attach", "--detach-keys", "ctrl-a,x", "echoer"}, 24, 80);
  // ctrl-p ctrl-q are no keys of ours now: they reach the shell (which
  // shows them as ^P^Q, or not at all), and attach goes on.
  attach->type("\x10\x11one\r");
  EXPECT_TRUE(attach->read_until("one]")) << attach->output();
  attach->type("\x01y two\r");  // ctrl-a then not x: both go on
  EXPECT_TRUE(attach->read_until("y two]")) << attach->output();
  attach->type("\x01x");
  EXPECT_EQ(attach->wait(), 0) << attach->output();
  EXPECT_TRUE(contains(attach->output(), "read escape sequence")) << attach->output();
  EXPECT_EQ(status_of("echoer"), "running");
  // Attached again, the container is still there and still reads.
  auto again = sandbox_on_pty({"attach", "echoer"}, 24, 80);
  again->type("three\r");
  EXPECT_TRUE(again->read_until("got [three]")) << again->output();
  again->type("\x10\x11");
  EXPECT_EQ(again->wait(), 0) << again->output();
}

TEST_F(TerminalTest, EmptyDetachKeysNeverDetach) {
  run_detached({"-it", "--name", "nokeys"}, {"sh", "-c", "read l; echo \"last [$l]\"; exit 4"});
  // docker's spelling: `--detach-keys=`, the empty value in the same word.
  auto attach = sandbox_on_pty({"attach", "--detach-keys=", "nokeys"}, 24, 80);
  attach->type(
      "\x10\x11"
      "end\r");
  EXPECT_TRUE(attach->read_until("end]")) << attach->output();
  EXPECT_EQ(attach->wait(), 4) << attach->output();  // the container's end, not a detach
  EXPECT_FALSE(contains(attach->output(), "read escape sequence")) << attach->output();
}

TEST_F(TerminalTest, StartAttachedGetsOurWindowSizeAndDetaches) {
  create({"-it", "--name", "later"}, kSizePrinter);
  auto start = sandbox_on_pty({"start", "-ai", "--detach-keys", "ctrl-x,ctrl-y", "later"}, 29, 91);
  start->type("a\r");
  EXPECT_TRUE(start->read_until("rows=29 cols=91")) << start->output();
  start->type("\x18\x19");
  EXPECT_EQ(start->wait(), 0) << start->output();
  EXPECT_EQ(status_of("later"), "running");
}

TEST_F(TerminalTest, ForegroundRunItHasOurWindowSize) {
  auto run = sandbox_on_pty(
      {"run", "--rm", "-it", "--network", "none", payload(), "sh", "-c", "read l; payload tty"}, 27,
      77);
  run->type("go\r");
  EXPECT_TRUE(run->read_until("rows=27 cols=77")) << run->output();
  EXPECT_EQ(run->wait(), 0) << run->output();
}

TEST_F(TerminalTest, BadDetachKeysAreRefusedByEveryVerb) {
  run_detached({"-it", "--name", "target"}, {"sleep", "60"});
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"attach", "--detach-keys", "ctrl-1", "target"},
        {"start", "-a", "--detach-keys", "ctrl-p,", "target"},
        {"exec", "--detach-keys", "alt-x", "target", "true"},
        {"run", "--rm", "--detach-keys", "ctrl-pq", payload(), "true"}}) {
    auto r = sandbox(args);
    EXPECT_EQ(r.exit_code, 125) << args[0] << ": " << r.describe();
    EXPECT_TRUE(contains(r.err, "invalid --detach-keys")) << r.err;
    EXPECT_TRUE(contains(r.err, "ctrl-p,ctrl-q")) << r.err;  // the hint shows the form
  }
  EXPECT_EQ(status_of("target"), "running");
}

}  // namespace
}  // namespace sbx::it
