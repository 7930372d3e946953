#include "sandbox/net/host_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::net {

namespace {

HostCheck check_tun() {
  HostCheck check{.name = "/dev/net/tun", .optional = true};
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    check.ok = true;
    check.detail = "usable";
    return check;
  }
  int err = errno;
  check.detail = std::string("cannot open: ") + std::strerror(err);
  struct stat st;
  if (err == EACCES && ::stat("/dev/net/tun", &st) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    check.detail += std::string(" (mode ") + mode + ")";
    check.fix = "chmod 0666 /dev/net/tun (as root; standard distributions ship it 0666)";
  } else if (err == ENOENT) {
    check.fix = "modprobe tun (as root)";
  }
  return check;
}

HostCheck check_slirp4netns() {
  HostCheck check{.name = "slirp4netns", .optional = true};
  if (auto path = find_program("slirp4netns")) {
    check.ok = true;
    check.detail = *path;
  } else {
    check.detail = "not installed";
    check.fix = "apt-get install slirp4netns";
  }
  return check;
}

HostCheck check_unprivileged_ports() {
  HostCheck check{.name = "net.ipv4.ip_unprivileged_port_start", .ok = true, .optional = true};
  auto text = read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  check.detail = text ? std::string(trim(*text)) : "unknown";
  check.detail += " (host ports below it cannot be published)";
  return check;
}

}  // namespace

std::vector<HostCheck> check_networking() {
  return {check_slirp4netns(), check_tun(), check_unprivileged_ports()};
}

}  // namespace sbx::net
