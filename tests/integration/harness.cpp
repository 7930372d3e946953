#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

extern char** environ;

#ifndef SBX_SANDBOX_BIN
#define SBX_SANDBOX_BIN "sandbox"
#endif
#ifndef SBX_RIG_ENV
#define SBX_RIG_ENV "/var/tmp/sandbox-rig/rig.env"
#endif

namespace fs = std::filesystem;

namespace sbx::it {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// The test's environment with `overrides` (KEY=VALUE) replacing or adding.
std::vector<std::string> make_env(const std::vector<std::string>& overrides) {
  auto key_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  std::map<std::string, std::string> by_key;  // later entries win
  for (char** e = environ; *e; ++e) by_key[key_of(*e)] = *e;
  for (const auto& o : overrides) by_key[key_of(o)] = o;
  std::vector<std::string> env;
  for (auto& [key, kv] : by_key) env.push_back(kv);
  return env;
}

std::string read_fd_from_start(int fd) {
  std::string data;
  if (fd < 0) return data;
  char buffer[65536];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return data;
}

int make_memfd(const char* name) {
  int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  return fd;
}

}  // namespace

std::string RunResult::describe() const {
  std::ostringstream s;
  s << "exit " << exit_code << (timed_out ? " (timed out, killed)" : "") << "\nstdout:\n"
    << out << "\nstderr:\n"
    << err;
  return s.str();
}

const std::string& sandbox_bin() {
  static const std::string bin = env_or("SANDBOX_BIN", SBX_SANDBOX_BIN);
  return bin;
}

BackgroundRun::BackgroundRun(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{options.binary.value_or(sandbox_bin())};
  if (options.root) {
    argv.push_back("--root");
    argv.push_back(options.root->native());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env = make_env(options.env);
  // Build the exec arrays before fork: only async-signal-safe calls after it.
  std::vector<char*> argv_c, env_c;
  for (auto& a : argv) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);
  for (auto& e : env) env_c.push_back(e.data());
  env_c.push_back(nullptr);

  out_fd_ = make_memfd("sbx-it-out");
  err_fd_ = make_memfd("sbx-it-err");
  int in_fd = -1;
  if (options.stdin_data) {
    in_fd = make_memfd("sbx-it-in");
    const std::string& data = *options.stdin_data;
    if (::pwrite(in_fd, data.data(), data.size(), 0) != static_cast<ssize_t>(data.size()))
      throw std::runtime_error("write stdin memfd");
  }
  deadline_ = std::chrono::steady_clock::now() + options.timeout;
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    int in = in_fd >= 0 ? in_fd : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (::dup2(in, 0) < 0 || ::dup2(out_fd_, 1) < 0 || ::dup2(err_fd_, 2) < 0) ::_exit(126);
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    const char msg[] = "harness: execve(sandbox) failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(errno == ENOENT ? 127 : 126);
  }
  ::setpgid(pid_, pid_);  // also in the parent, so kill(-pid) works at once
  if (in_fd >= 0) ::close(in_fd);
}

BackgroundRun::~BackgroundRun() {
  if (pid_ > 0 && !result_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool BackgroundRun::running() {
  if (result_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  RunResult result;
  result.exit_code =
      r == pid_ ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : -1;
  result.out = read_fd_from_start(out_fd_);
  result.err = read_fd_from_start(err_fd_);
  result_ = std::move(result);
  return false;
}

void BackgroundRun::kill(int signal) {
  if (pid_ > 0 && !result_) ::kill(-pid_, signal);
}

void BackgroundRun::kill_main(int signal) {
  if (pid_ > 0 && !result_) ::kill(pid_, signal);
}

RunResult BackgroundRun::wait() {
  auto sleep = std::chrono::milliseconds(1);
  bool timed_out = false;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline_) {
      timed_out = true;
      kill(SIGKILL);
    }
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, std::chrono::milliseconds(20));
  }
  result_->timed_out = timed_out;
  return *result_;
}

std::string BackgroundRun::out_so_far() const { return read_fd_from_start(out_fd_); }
std::string BackgroundRun::err_so_far() const { return read_fd_from_start(err_fd_); }

RunResult run_sandbox(const std::vector<std::string>& args, const RunOptions& options) {
  BackgroundRun run(args, options);
  return run.wait();
}

const Rig& rig() {
  static const Rig loaded = [] {
    Rig r;
    r.env_path = env_or("SBX_RIG_ENV", SBX_RIG_ENV);
    std::ifstream in(r.env_path);
    if (!in) return r;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front())
        value = value.substr(1, value.size() - 2);
      r.values[line.substr(0, eq)] = value;
    }
    auto get = [&](const char* key) { return r.values.count(key) ? r.values[key] : ""; };
    r.registry = get("REGISTRY");
    r.registry_token = get("REGISTRY_TOKEN");
    r.token_server = get("TOKEN_SERVER");
    r.registry_basic = get("REGISTRY_BASIC");
    r.fault_proxy = get("FAULT_PROXY");
    if (!get("RIG_USER").empty()) r.user = get("RIG_USER");
    if (!get("RIG_PASSWORD").empty()) r.password = get("RIG_PASSWORD");
    r.available = !r.registry.empty();
    return r;
  }();
  return loaded;
}

namespace {

// Splits "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody" into a reply.
HttpReply parse_http_response(const std::string& response) {
  HttpReply reply;
  if (response.rfind("HTTP/", 0) != 0) return reply;
  reply.status = std::atoi(response.c_str() + response.find(' ') + 1);
  auto end = response.find("\r\n\r\n");
  std::string head = response.substr(0, end);
  if (end != std::string::npos) reply.body = response.substr(end + 4);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);  // status line
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[name] = value;
  }
  return reply;
}

}  // namespace

HttpReply http_get(const std::string& host_port, const std::string& path,
                   const std::vector<std::string>& headers, const std::string& method) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return {};
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(host_port.c_str() + colon + 1)));
  ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = method + " " + path + " HTTP/1.0\r\nHost: " + host_port + "\r\n";
    for (const auto& h : headers) request += h + "\r\n";
    request += "Connection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[16384];
      ssize_t n;
      while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        response.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return parse_http_response(response);
}

HttpReply registry_manifest(const std::string& host_port, const std::string& name,
                            const std::string& reference) {
  return http_get(host_port, "/v2/" + name + "/manifests/" + reference,
                  {"Accept: application/vnd.oci.image.index.v1+json, "
                   "application/vnd.oci.image.manifest.v1+json, "
                   "application/vnd.docker.distribution.manifest.list.v2+json, "
                   "application/vnd.docker.distribution.manifest.v2+json"});
}

bool rig_has_image(const std::string& name_and_tag) {
  if (!rig().available) return false;
  auto colon = name_and_tag.rfind(':');
  std::string name = name_and_tag.substr(0, colon);
  std::string tag = colon == std::string::npos ? "latest" : name_and_tag.substr(colon + 1);
  return registry_manifest(rig().registry, name, tag).status == 200;
}

bool registry_reachable(const std::string& host_port) {
  return !host_port.empty() && http_get(host_port, "/v2/").status != 0;
}

std::string current_user_name() {
  if (passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return std::to_string(::getuid());
}

bool has_subid_ranges() {
  auto has_entry = [](const char* file) {
    std::ifstream in(file);
    std::string line;
    const std::string name = current_user_name() + ":";
    const std::string uid = std::to_string(::getuid()) + ":";
    while (std::getline(in, line))
      if (line.rfind(name, 0) == 0 || line.rfind(uid, 0) == 0) return true;
    return false;
  };
  return has_entry("/etc/subuid") && has_entry("/etc/subgid");
}

bool have_program(const std::string& name) {
  std::string path = env_or("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

std::string unique_token() {
  static std::atomic<unsigned> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::ostringstream s;
  s << std::hex << ::getpid() << "x" << (static_cast<unsigned long long>(now) & 0xffffff) << "x"
    << counter++;
  return s.str();
}

void remove_store_root(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return;
  RunOptions quick;
  quick.timeout = std::chrono::seconds(60);
  run_sandbox({"--root", root.native(), "system", "reset", "-f"}, quick);
  fs::remove_all(root, ec);
  if (!fs::exists(fs::symlink_status(root, ec))) return;
  // Files owned by subordinate ids: delete them as root of the user namespace.
  run_sandbox({"--root", root.native(), "unshare", "rm", "-rf", root.native()}, quick);
  fs::remove_all(root, ec);
}

void SandboxTest::SetUp() {
  fs::path base = env_or("SBX_TEST_TMPDIR", "/var/tmp");
  std::string templ = (base / "sbx-it-XXXXXX").native();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr) << "mkdtemp(" << templ << "): " << strerror(errno);
  dir_ = templ;
  root_ = dir_ / "root";  // not created: sandbox makes its store (mode 0700)
  home_ = dir_ / "home";
  std::error_code ec;
  fs::create_directories(home_ / ".config", ec);
  fs::create_directories(home_ / ".local/share", ec);
  fs::create_directories(dir_ / "tmp", ec);
  ASSERT_FALSE(ec) << "create " << home_ << ": " << ec.message();
}

namespace {
// The pause processes of a runtime dir use_own_runtime_dir made are the
// test's own: they go with it, and later tests in this process use the user's.
void end_own_runtime_dir(const fs::path& runtime) {
  for (pid_t pause : pause_processes(runtime / "sandbox")) ::kill(pause, SIGKILL);
  ::unsetenv("XDG_RUNTIME_DIR");
}
}  // namespace

void SandboxTest::TearDown() {
  if (dir_.empty()) return;
  if (!env_or("SBX_KEEP_TEST_ROOT", "").empty()) {
    std::fprintf(stderr, "kept test dir %s\n", dir_.c_str());
    if (own_runtime_dir_) end_own_runtime_dir(dir_ / "run");
    return;
  }
  remove_store_root(root_);
  if (own_runtime_dir_) end_own_runtime_dir(dir_ / "run");
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (fs::exists(dir_, ec)) remove_store_root(dir_);
}

RunOptions SandboxTest::options_for(RunOptions options) const {
  if (!options.root) options.root = root_;
  std::vector<std::string> env{
      "HOME=" + home_.native(),
      "XDG_CONFIG_HOME=" + (home_ / ".config").native(),
      "XDG_DATA_HOME=" + (home_ / ".local/share").native(),
      "TMPDIR=" + (dir_ / "tmp").native(),
      "DOCKER_CONFIG=" + (home_ / ".docker").native(),
  };
  env.insert(env.end(), options.env.begin(), options.env.end());
  options.env = std::move(env);
  return options;
}

std::filesystem::path SandboxTest::runtime_dir() {
  auto r = sandbox({"info", "--format", "json"});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("runtime_dir")) return {};
  return j["runtime_dir"].get<std::string>();
}

void SandboxTest::use_own_runtime_dir() {
  fs::path runtime = dir_ / "run";
  fs::create_directory(runtime);
  fs::permissions(runtime, fs::perms::owner_all, fs::perm_options::replace);
  own_runtime_dir_ = true;
  ASSERT_EQ(::setenv("XDG_RUNTIME_DIR", runtime.c_str(), 1), 0);
  ASSERT_EQ(runtime_dir(), runtime / "sandbox");
}

RunResult SandboxTest::sandbox(const std::vector<std::string>& args, RunOptions options) {
  return run_sandbox(args, options_for(std::move(options)));
}

std::unique_ptr<BackgroundRun> SandboxTest::sandbox_background(const std::vector<std::string>& args,
                                                               RunOptions options) {
  return std::make_unique<BackgroundRun>(args, options_for(std::move(options)));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<pid_t> pause_processes(const fs::path& runtime_dir) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runtime_dir, ec)) {
    std::string name = entry.path().filename();
    if (!name.starts_with("pause-") || !name.ends_with(".pid")) continue;
    std::ifstream in(entry.path());
    pid_t pid = 0;
    if (in >> pid && pid > 0 && ::kill(pid, 0) == 0) pids.push_back(pid);
  }
  return pids;
}

bool process_runs(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  return pid > 0 && std::getline(stat, line) && !contains(line, ") Z");
}

int unused_loopback_port(int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace sbx::it
