#include "sandbox/userns/write_id_maps.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"

namespace sbx::userns {
namespace {

constexpr const char* kInstallHint =
    "install the uidmap package (sudo apt-get install uidmap), which provides newuidmap and "
    "newgidmap";

Status write_proc_file(pid_t pid, const char* name, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd = SBX_TRY(open_file(path, O_WRONLY | O_CLOEXEC));
  // The kernel takes a map in one write(2) only.
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written < 0) return fail_errno("write", path);
  if (static_cast<size_t>(written) != text.size()) return fail("write(" + path + "): short write");
  return {};
}

// One id mapped to our own id needs no helper (the kernel allows that);
// real root may write any map.
bool writable_directly(const std::vector<IdMapEntry>& map, uint32_t own_id) {
  if (::geteuid() == 0) return true;
  return map.size() == 1 && map[0].count == 1 && map[0].outside == own_id;
}

Result<RunningCommand> start_map_helper(const char* name, pid_t pid,
                                        const std::vector<IdMapEntry>& map) {
  MapHelper helper = inspect_map_helper(name);
  SBX_TRY(require_map_helper(helper));
  std::vector<std::string> argv{helper.path, std::to_string(pid)};
  for (auto& arg : helper_map_args(map)) argv.push_back(std::move(arg));
  return start_command(argv);
}

Status finish_map_helper(std::optional<RunningCommand>& helper, const char* subid_file) {
  if (!helper) return {};
  auto result = helper->finish_checked();
  helper.reset();
  if (!result)
    return fail(std::move(result.error())
                    .with_hint(std::string("check your line in ") + subid_file +
                               " (sandbox system check shows what is wrong)"));
  return {};
}

// Unprivileged writers must give up setgroups(2) before writing gid_map.
Status write_gid_map_directly(pid_t pid, const std::vector<IdMapEntry>& map) {
  if (::geteuid() != 0) SBX_TRY(write_proc_file(pid, "setgroups", "deny"));
  return write_proc_file(pid, "gid_map", format_proc_map(map));
}

}  // namespace

MapHelper inspect_map_helper(const std::string& name) {
  MapHelper helper;
  helper.name = name;
  auto path = find_program(name);
  if (!path) return helper;
  helper.path = *path;
  struct stat st;
  if (::stat(path->c_str(), &st) == 0)
    helper.setuid_root = (st.st_mode & S_ISUID) && st.st_uid == 0;
  helper.file_caps = ::getxattr(path->c_str(), "security.capability", nullptr, 0) > 0;
  return helper;
}

Status require_map_helper(const MapHelper& helper) {
  if (helper.path.empty())
    return fail(
        Error(helper.name + " not found in PATH: it is needed to map subordinate ids", ENOENT)
            .with_hint(kInstallHint));
  if (!helper.usable())
    return fail(Error(helper.path + " is neither setuid root nor has file capabilities, so it "
                                    "cannot write id maps",
                      EPERM)
                    .with_hint("reinstall the uidmap package (sudo apt-get install --reinstall "
                               "uidmap) or run: sudo chmod u+s " +
                               helper.path));
  return {};
}

Result<IdMapWriting> IdMapWriting::start(pid_t pid, const IdMaps& maps) {
  std::string what = "write id maps of pid " + std::to_string(pid);
  IdMapWriting writing;
  writing.pid_ = pid;
  if (writable_directly(maps.gids, ::getegid()))
    SBX_TRY_CTX(write_gid_map_directly(pid, maps.gids), what);
  else
    writing.gid_helper_ = SBX_TRY_CTX(start_map_helper("newgidmap", pid, maps.gids), what);
  if (writable_directly(maps.uids, ::geteuid()))
    SBX_TRY_CTX(write_proc_file(pid, "uid_map", format_proc_map(maps.uids)), what);
  else
    writing.uid_helper_ = SBX_TRY_CTX(start_map_helper("newuidmap", pid, maps.uids), what);
  return writing;
}

Status IdMapWriting::finish() {
  std::string what = "write id maps of pid " + std::to_string(pid_);
  Status gids = finish_map_helper(gid_helper_, "/etc/subgid");
  Status uids = finish_map_helper(uid_helper_, "/etc/subuid");
  SBX_TRY_CTX(std::move(gids), what);
  SBX_TRY_CTX(std::move(uids), what);
  return {};
}

Status write_id_maps(pid_t pid, const IdMaps& maps) {
  auto writing = SBX_TRY(IdMapWriting::start(pid, maps));
  return writing.finish();
}

}  // namespace sbx::userns
