#include "join_netns.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cstdio>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::launch {
namespace {

constexpr int kMaxUserNamespaceDepth = 32;  // the kernel's limit

bool same_namespace(int a, int b) {
  struct stat sa, sb;
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

// The pid behind a pidfd (its fdinfo's "Pid:" line).
Result<pid_t> pid_of_pidfd(int pidfd) {
  std::string path = "/proc/self/fdinfo/" + std::to_string(pidfd);
  auto text = SBX_TRY(read_file(path));
  for (const auto& line : split(text, '\n'))
    if (line.starts_with("Pid:")) {
      int pid = std::atoi(line.c_str() + 4);
      if (pid > 0) return pid;
    }
  return fail("no live pid in " + path);
}

// Whether `userns` is `ancestor` or was made inside it (at any depth).
bool descends_from(int userns, int ancestor) {
  UniqueFd current(::fcntl(userns, F_DUPFD_CLOEXEC, 0));
  for (int depth = 0; current && depth < kMaxUserNamespaceDepth; ++depth) {
    if (same_namespace(current.get(), ancestor)) return true;
    current = UniqueFd(::ioctl(current.get(), NS_GET_PARENT));  // EPERM above our own
  }
  return false;
}

}  // namespace

Result<NetnsJoin> open_netns_to_join(const std::string& path, int holder_pidfd) {
  NetnsJoin join;
  join.netns = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!join.netns)
    return fail(Error::from_errno("open", path).with_hint("the network namespace is gone"));
  UniqueFd owner(::ioctl(join.netns.get(), NS_GET_USERNS));
  if (!owner)
    return fail(Error::from_errno("ioctl(NS_GET_USERNS)", path)
                    .with_hint("give the path of a network namespace, e.g. /proc/PID/ns/net"));
  pid_t holder = SBX_TRY(pid_of_pidfd(holder_pidfd));
  std::string own = "/proc/" + std::to_string(holder) + "/ns/user";
  UniqueFd container_userns(::open(own.c_str(), O_RDONLY | O_CLOEXEC));
  if (!container_userns) return fail_errno("open", own);
  join.parent_userns = UniqueFd(::ioctl(container_userns.get(), NS_GET_PARENT));
  UniqueFd host(::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
  if (!join.parent_userns || (host && same_namespace(join.parent_userns.get(), host.get())))
    return fail(Error("joining another network namespace needs the per-user pause process")
                    .with_hint("give your user subordinate ids in /etc/subuid and /etc/subgid "
                               "(containers then share the pause process's user namespace)"));
  if (!descends_from(owner.get(), join.parent_userns.get()))
    return fail(Error("network namespace " + path +
                      " belongs to a user namespace outside sandbox's: containers cannot join it")
                    .with_hint("share a container's: --network container:NAME, or ns:PATH of "
                               "a network namespace a container holds (/proc/PID/ns/net)"));
  return join;
}

Result<std::string> resolve_join_netns(const containers::Containers& containers,
                                       const std::string& join, std::filesystem::path& etc_from) {
  if (join.starts_with("ns:")) return join.substr(3);
  std::string name = join.substr(join.find(':') + 1);
  auto id = SBX_TRY(containers.resolve(name));
  auto info = SBX_TRY(containers.info(id));
  if (info.status != containers::ContainerStatus::kRunning || !info.runtime)
    return fail(Error("--network " + join + ": container " + info.name + " is not running")
                    .with_hint("start it first (sandbox start " + info.name + ")"));
  if (info.spec.network == containers::NetworkMode::kHost)
    return fail(Error("--network " + join + ": container " + info.name + " uses the host's network")
                    .with_hint("use --network host"));
  etc_from = info.runtime_dir / "etc";
  return "/proc/" + std::to_string(info.runtime->pid) + "/ns/net";
}

}  // namespace sbx::launch
