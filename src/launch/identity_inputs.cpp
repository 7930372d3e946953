// keep-id's passwd and group lines, --device checks and --tz's zone file.
#include "identity_inputs.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "sandbox/base/files.hpp"
#include "sandbox/launch/users.hpp"

namespace sbx::launch {
namespace {

constexpr const char* kZoneinfoDir = "/usr/share/zoneinfo";

// A directory at `path` (absolute) in one of the image's layers.
bool image_has_dir(const std::vector<std::filesystem::path>& lowers, const std::string& path) {
  for (const auto& layer : lowers) {
    UniqueFd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) continue;
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how)));
    if (fd) return true;
  }
  return false;
}

// The home is podman's: the host's when the container has it (a mount at
// or above it, or the image's own directory), else "/".
bool container_has_home(const containers::ContainerSpec& spec,
                        const std::vector<std::filesystem::path>& lowers, const std::string& home) {
  if (home.empty() || !home.starts_with('/')) return false;
  for (const auto& m : spec.mounts)
    if (home == m.destination || home.starts_with(m.destination + "/")) return true;
  return image_has_dir(lowers, home);
}

HostUser invoking_user(uint32_t uid, uint32_t gid) {
  HostUser user{uid, gid, {}, {}, {}};
  char buffer[16384];
  struct passwd pw;
  struct passwd* found_user = nullptr;
  if (::getpwuid_r(uid, &pw, buffer, sizeof buffer, &found_user) == 0 && found_user) {
    user.name = found_user->pw_name;
    user.home = found_user->pw_dir ? found_user->pw_dir : "";
  }
  struct group gr;
  struct group* found_group = nullptr;
  if (::getgrgid_r(gid, &gr, buffer, sizeof buffer, &found_group) == 0 && found_group)
    user.group_name = found_group->gr_name;
  return user;
}

Status add_keep_id_lines(const containers::ContainerSpec& spec,
                         const std::vector<std::filesystem::path>& lowers, LaunchInputs& in) {
  if (!spec.keep_id || in.host_uid == 0) return {};
  HostUser user = invoking_user(in.host_uid, in.host_gid);
  if (!container_has_home(spec, lowers, user.home)) user.home = "/";
  KeepIdFiles files = add_keep_id_user(in.passwd, in.group, user);
  std::filesystem::path etc = in.etc_dir;
  if (files.passwd_added) {
    SBX_TRY(write_file_atomic(etc / "passwd", files.passwd, 0644, Durability::kVolatile));
    in.passwd = std::move(files.passwd);
    in.etc_passwd = true;
  }
  if (files.group_added) {
    SBX_TRY(write_file_atomic(etc / "group", files.group, 0644, Durability::kVolatile));
    in.group = std::move(files.group);
    in.etc_group = true;
  }
  return {};
}

std::string describe_node(const struct stat& st) {
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
  return std::string("mode ") + mode + ", owner " + std::to_string(st.st_uid) + ":" +
         std::to_string(st.st_gid);
}

}  // namespace

Status check_device(const containers::DeviceRequest& device) {
  std::string flag = "--device " + device.host;
  struct stat st;
  if (::stat(device.host.c_str(), &st) < 0)
    return fail(Error::from_errno(flag + ": stat", device.host));
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return fail(Error(flag + ": not a device node", ENODEV)
                    .with_hint("give a character or block device, e.g. /dev/fuse; use -v to "
                               "bind a file or directory"));
  int want = (device.permissions.find('r') != std::string::npos ? R_OK : 0) |
             (device.permissions.find('w') != std::string::npos ? W_OK : 0);
  if (want && ::access(device.host.c_str(), want) < 0) {
    int error_number = errno;
    std::string how = want == (R_OK | W_OK) ? "read and write" : want == R_OK ? "read" : "write";
    return fail(Error(flag + ": you may not open it to " + how + " (" + describe_node(st) + ")",
                      error_number)
                    .with_hint("a rootless container only gets devices its user may open: ask "
                               "for access (a group owning the node) or give fewer permissions "
                               "(:r)"));
  }
  struct statvfs fs;
  if (::statvfs(device.host.c_str(), &fs) == 0 && (fs.f_flag & ST_NODEV))
    return fail(Error(flag + ": it is on a nodev mount, where it cannot be opened", EACCES)
                    .with_hint("give the node under /dev"));
  return {};
}

Result<std::string> timezone_file(const std::string& zone) {
  std::string flag = "--tz " + zone;
  std::string path = zone == "local" ? "/etc/localtime" : std::string(kZoneinfoDir) + "/" + zone;
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) {
    Error e(flag + ": unknown time zone (no " + path + ")", errno);
    return fail(std::move(e).with_hint(zone == "local"
                                           ? "this host has no /etc/localtime: give a zone name"
                                           : "see the names under /usr/share/zoneinfo"));
  }
  std::string file = resolved;
  char base[PATH_MAX];
  if (zone != "local" &&
      (!::realpath(kZoneinfoDir, base) || !file.starts_with(std::string(base) + "/")))
    return fail(Error(flag + ": the zone leads out of /usr/share/zoneinfo", EINVAL));
  auto fd = SBX_TRY_CTX(open_file(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK), flag);
  char magic[4] = {};
  struct stat st;
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) ||
      ::read(fd.get(), magic, sizeof magic) != sizeof magic || std::string_view(magic, 4) != "TZif")
    return fail(Error(flag + ": " + file + " is not a time zone file", EINVAL)
                    .with_hint("see the names under /usr/share/zoneinfo"));
  return file;
}

Status gather_identity_inputs(const containers::ContainerSpec& spec,
                              const std::vector<std::filesystem::path>& lowers, LaunchInputs& in) {
  SBX_TRY_CTX(add_keep_id_lines(spec, lowers, in), "keep-id: /etc/passwd");
  for (const auto& d : spec.devices) SBX_TRY(check_device(d));
  if (!spec.timezone.empty()) in.localtime = SBX_TRY(timezone_file(spec.timezone));
  return {};
}

}  // namespace sbx::launch
