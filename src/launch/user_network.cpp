// The per-user network namespace's holder: a process in the pause process's
// user namespace (found as the container's parent user namespace) with a
// network and mount namespace of its own, where /etc/resolv.conf points at
// slirp4netns's DNS for aardvark-dns; then the init binary with --pause keeps
// them. slirp4netns joins it to the host; sandbox-portfwd, started in the
// holder's user and network namespaces, forwards published TCP ports into it.
// All three outlive this run.
#include "user_network.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "port_forwarder_process.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/unique_fd.hpp"
#include "sandbox/net/etc_files.hpp"
#include "sandbox/net/ports.hpp"
#include "sandbox/net/slirp.hpp"
#include "sandbox/net/user_netns.hpp"
#include "sealed_memfd.hpp"
#include "spawn.hpp"

namespace sbx::launch {
namespace {

namespace fs = std::filesystem;

// The user namespace the container's own was made in: the pause process's.
Result<UniqueFd> pause_user_namespace(pid_t container_pid) {
  auto parent = user_namespace_parent(container_pid);
  if (!parent)
    return fail(std::move(parent.error())
                    .with_hint("user networks need the per-user pause process (subuid ranges "
                               "in /etc/subuid and /etc/subgid)"));
  return parent;
}

// After fork: join the pause user namespace, unshare net + mount, bind our
// resolv.conf, exec the pause binary. A failure writes errno on `report`.
[[noreturn]] void become_holder(int userns, int program, int report, const char* resolv) {
  ::setsid();
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  auto fail_with = [report](int step) {
    int msg[2] = {step, errno};
    (void)!::write(report, msg, sizeof msg);
    ::_exit(1);
  };
  if (::setns(userns, CLONE_NEWUSER) < 0) fail_with(1);
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) fail_with(2);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) fail_with(3);
  if (::mount(resolv, "/etc/resolv.conf", nullptr, MS_BIND, nullptr) < 0) fail_with(4);
  if (::chdir("/") < 0) fail_with(5);
  const char* argv[] = {"sandbox-netns", "--pause", nullptr};
  const char* envp[] = {nullptr};
  ::syscall(SYS_execveat, program, "", argv, envp, AT_EMPTY_PATH);
  fail_with(6);
  ::_exit(1);
}

Result<pid_t> start_holder(const fs::path& dir, pid_t container_pid) {
  UniqueFd userns = SBX_TRY(pause_user_namespace(container_pid));
  auto resolv = dir / "resolv.conf";
  std::string host = read_file("/etc/resolv.conf").value_or("");
  SBX_TRY(write_file_atomic(resolv, net::make_resolv_conf(host, {.forwarder = "10.0.2.3"}), 0644,
                            Durability::kVolatile));
  UniqueFd program = SBX_TRY(detail::make_sealed_memfd("sandbox-netns", "pause", embedded_init()));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe2", "network namespace holder");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::string resolv_path = resolv.string();
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork", "network namespace holder");
  if (pid == 0) become_holder(userns.get(), program.get(), write_end.get(), resolv_path.c_str());
  write_end.reset();
  int msg[2] = {0, 0};
  ssize_t n;
  while ((n = ::read(read_end.get(), msg, sizeof msg)) < 0 && errno == EINTR) {
  }
  if (n == 0) return pid;  // exec'd: it keeps the namespaces now (not ours to reap)
  static constexpr const char* kSteps[] = {
      "",         "setns(user)",    "unshare(net|mnt)", "mount(/)", "mount(/etc/resolv.conf)",
      "chdir(/)", "execveat(pause)"};
  int step = msg[0] >= 1 && msg[0] <= 6 ? msg[0] : 0;
  ChildProcess(pid).kill_and_reap();
  return fail(Error::from_errno("network namespace holder", kSteps[step], msg[1]));
}

Result<pid_t> start_slirp(const fs::path& dir, pid_t holder) {
  // Filled member by member: GCC 12 at -O3 takes the brace-initialised default
  // SlirpOptions for uninitialised on the early-return paths below.
  net::SlirpLaunch launch;
  launch.program = SBX_TRY(net::find_slirp4netns());
  launch.target_pid = holder;
  launch.dir = dir;
  launch.detached = true;
  // Outbound IPv6 for dual-stack networks, where the kernel has IPv6.
  launch.options.enable_ipv6 = ::access("/proc/sys/net/ipv6", F_OK) == 0;
  auto slirp = SBX_TRY(net::Slirp4netns::start(launch));
  pid_t pid = slirp.pid();
  slirp.release();
  return pid;
}

}  // namespace

UserNetworkLease& UserNetworkLease::operator=(UserNetworkLease&& o) noexcept {
  if (this != &o) {
    this->~UserNetworkLease();
    dir_ = std::exchange(o.dir_, {});
    id_ = std::exchange(o.id_, {});
    ports_ = std::exchange(o.ports_, {});
  }
  return *this;
}

UserNetworkLease::~UserNetworkLease() {
  if (!id_.empty()) (void)net::detach_container(dir_, id_);
}

Result<UserNetworkLease> attach_user_networks(const LaunchPlan& plan,
                                              const containers::ContainerSpec& spec,
                                              pid_t container_pid) {
  const auto& u = plan.user_networks;
  if (u.networks.empty()) return UserNetworkLease{};
  net::UserNetnsStarter starter{[&] { return start_holder(u.netns_dir, container_pid); },
                                [&](pid_t holder) { return start_slirp(u.netns_dir, holder); },
                                [](pid_t holder, int control) {
                                  return start_port_forwarder(holder, control,
                                                              ForwarderLife::kOutlivesUs);
                                }};
  std::vector<net::PortRequest> ports = spec.ports;
  for (auto& port : ports)
    if (port.host_port == 0) port.host_port = SBX_TRY(net::choose_free_port(port));
  std::string name = spec.name.empty() ? plan.id.substr(0, 12) : spec.name;
  SBX_TRY(net::attach_container(u.netns_dir, starter, container_pid, plan.id, name, u.networks,
                                spec.networks, ports));
  return UserNetworkLease(u.netns_dir, plan.id, std::move(ports));
}

}  // namespace sbx::launch
