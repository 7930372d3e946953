#include "sandbox/base/process.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/unique_fd.hpp"

extern char** environ;

namespace sbx {

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

Result<int> ChildProcess::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno == EINTR) continue;
    return fail(Error::from_errno("waitpid"));
  }
  pid_ = -1;
  return status;
}

void ChildProcess::reap_if_exited() {
  if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
}

void ChildProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

namespace {

// A child's stack from mmap, unmapped on destruction.
class ChildStack {
 public:
  ChildStack(void* base, size_t size) : base_(base), size_(size) {}
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  ~ChildStack() { ::munmap(base_, size_); }
  void* top() const { return static_cast<char*>(base_) + size_; }

 private:
  void* base_;
  size_t size_;
};

}  // namespace

Result<int> run_vfork_child(int (*fn)(void*), void* arg, size_t stack_size) {
  const auto guard = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* base = ::mmap(nullptr, stack_size + guard, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return fail_errno("mmap", "a child's stack");
  ChildStack stack(base, stack_size + guard);
  if (::mprotect(base, guard, PROT_NONE) < 0)
    return fail_errno("mprotect", "a child's stack guard");
  int pid = ::clone(fn, stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
  if (pid < 0) return fail_errno("clone", "CLONE_VM | CLONE_VFORK");
  return ChildProcess(pid).wait();
}

// "pid (comm) S ppid ... starttime(22) ...": comm may hold spaces and
// parentheses, so fields are counted after the last ')'.
Result<UniqueFd> user_namespace_parent(pid_t pid) {
  auto path = "/proc/" + std::to_string(pid) + "/ns/user";
  UniqueFd own(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!own) return fail_errno("open", path);
  UniqueFd parent(::ioctl(own.get(), NS_GET_PARENT));
  if (!parent) return fail_errno("ioctl(NS_GET_PARENT)", path);
  return parent;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
  ProcStat st;
  st.state = (*text)[close + 2];
  // Field 3 is the state; field 22 is 19 fields further on.
  size_t pos = close + 2;
  for (int field = 3; field < 22; ++field) {
    pos = text->find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  st.start_time = std::strtoull(text->c_str() + pos, nullptr, 10);
  return st;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 125;
}

bool CommandResult::succeeded() const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::optional<std::string> find_program(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (executable(name)) return name;
    return std::nullopt;
  }
  const char* env_path = std::getenv("PATH");
  std::string path = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    // Appended piecewise: GCC 12 -O3 reports a false -Wrestrict on dir + "/" + name.
    std::string candidate = std::move(dir);
    candidate += '/';
    candidate += name;
    if (executable(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

namespace {

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(Error::from_errno("pipe2"));
  return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// write(2) to a pipe whose reader may be gone (a helper that exits without
// reading its stdin): EPIPE or a short count, never a SIGPIPE that would kill
// the caller. The signal is blocked in this thread and a pending one taken back.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
  sigset_t pipe_only, saved;
  ::sigemptyset(&pipe_only);
  ::sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &saved);
  ssize_t written = ::write(fd, data.data(), data.size());
  int saved_errno = errno;
  // Also after a partial write: the reader may have gone half way through.
  sigset_t pending;
  if (::sigpending(&pending) == 0 && ::sigismember(&pending, SIGPIPE) == 1) {
    const timespec no_wait{};
    while (::sigtimedwait(&pipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  errno = saved_errno;
  return written;
}

// Moves data between the child's pipes without deadlocking on full buffers.
void pump(UniqueFd& in, std::string_view input, UniqueFd& out, std::string& out_data, UniqueFd& err,
          std::string& err_data) {
  char buffer[16384];
  while (in || out || err) {
    pollfd fds[3];
    int n = 0;
    int in_index = -1, out_index = -1, err_index = -1;
    if (in) fds[in_index = n++] = {in.get(), POLLOUT, 0};
    if (out) fds[out_index = n++] = {out.get(), POLLIN, 0};
    if (err) fds[err_index = n++] = {err.get(), POLLIN, 0};
    if (::poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (in_index >= 0 && fds[in_index].revents) {
      ssize_t w = input.empty() ? 0 : write_without_sigpipe(in.get(), input);
      if (w > 0) input.remove_prefix(static_cast<size_t>(w));
      if (w <= 0 || input.empty()) in.reset();
    }
    auto drain = [&](int index, UniqueFd& fd, std::string& sink) {
      if (index < 0 || !fds[index].revents) return;
      ssize_t r = ::read(fd.get(), buffer, sizeof buffer);
      if (r > 0)
        sink.append(buffer, static_cast<size_t>(r));
      else if (r == 0 || errno != EINTR)
        fd.reset();
    };
    drain(out_index, out, out_data);
    drain(err_index, err, err_data);
  }
}

}  // namespace

Result<RunningCommand> start_command(const std::vector<std::string>& argv,
                                     const CommandOptions& options) {
  if (argv.empty()) return fail("start_command: empty argv");
  auto program = find_program(argv[0]);
  if (!program) return fail("cannot run " + argv[0] + ": not found in PATH", ENOENT);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  struct ActionsGuard {
    posix_spawn_file_actions_t* a;
    ~ActionsGuard() { posix_spawn_file_actions_destroy(a); }
  } guard{&actions};

  RunningCommand command;
  UniqueFd in_read, out_write, err_write;
  if (options.stdin_data) {
    std::tie(in_read, command.in_) = SBX_TRY(make_pipe());
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (options.capture_stdout) {
    std::tie(command.out_, out_write) = SBX_TRY(make_pipe());
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  }
  if (options.capture_stderr) {
    std::tie(command.err_, err_write) = SBX_TRY(make_pipe());
    posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  }

  std::vector<char*> args = c_string_array(argv);
  std::vector<char*> envp;
  if (options.env) envp = c_string_array(*options.env);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program->c_str(), &actions, nullptr, args.data(),
                         options.env ? envp.data() : environ);
  if (rc != 0) return fail_errno("posix_spawn", *program, rc);
  command.child_ = ChildProcess(pid);
  command.name_ = argv[0];
  command.stdin_data_ = options.stdin_data;
  return command;
}

Result<CommandResult> RunningCommand::finish() {
  CommandResult result;
  pump(in_, stdin_data_ ? std::string_view(*stdin_data_) : std::string_view(), out_, result.out,
       err_, result.err);
  result.wait_status = SBX_TRY(child_.wait());
  return result;
}

Result<CommandResult> RunningCommand::finish_checked() {
  CommandResult result = SBX_TRY(finish());
  if (!result.succeeded()) {
    std::string message = name_ + " " + describe_wait_status(result.wait_status);
    std::string_view err = result.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.remove_suffix(1);
    if (size_t nl = err.rfind('\n'); nl != std::string_view::npos) err.remove_prefix(nl + 1);
    if (!err.empty()) message += ": " + std::string(err);
    return fail(std::move(message));
  }
  return result;
}

Result<CommandResult> run_command(const std::vector<std::string>& argv,
                                  const CommandOptions& options) {
  auto command = SBX_TRY(start_command(argv, options));
  return command.finish();
}

Result<CommandResult> run_checked(const std::vector<std::string>& argv,
                                  const CommandOptions& options) {
  auto command = SBX_TRY(start_command(argv, options));
  return command.finish_checked();
}

}  // namespace sbx
