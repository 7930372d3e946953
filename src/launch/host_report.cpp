#include "sandbox/launch/host_report.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sandbox/base/paths.hpp"
#include "sandbox/cgroup/host_check.hpp"
#include "sandbox/net/host_check.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/userns/host_check.hpp"

namespace sbx::launch {

namespace {

HostCheck check_runtime_dir() {
  HostCheck check{.name = "XDG_RUNTIME_DIR"};
  const char* dir = std::getenv("XDG_RUNTIME_DIR");
  auto used = runtime_root();
  if (!used) {
    check.detail = used.error().message();
    check.fix = used.error().hint();
    return check;
  }
  check.ok = true;
  struct stat st;
  if (!dir || !*dir) {
    check.detail = "unset: state goes to " + used->native();
  } else if (::stat(dir, &st) != 0 || st.st_uid != ::getuid()) {
    // We fall back, but say why: it is usually `su` without a login.
    check.detail = std::string(dir) + " is not owned by us (after su?): using " + used->native();
    check.fix = "log in as the user (ssh, machinectl shell) or unset XDG_RUNTIME_DIR";
  } else {
    check.detail = used->native();
  }
  return check;
}

void add_storage_checks(const std::filesystem::path& store_root, std::vector<HostCheck>& checks) {
  auto probe = rootfs::probe_storage(store_root);
  if (!probe) {
    checks.push_back(
        {.name = "storage", .detail = probe.error().message(), .fix = probe.error().hint()});
    return;
  }
  checks.push_back({.name = "store filesystem",
                    .ok = !probe->network_fs,
                    .detail = probe->fs_type + " at " + store_root.native(),
                    .fix = probe->network_fs
                               ? "overlay upper dirs cannot live on a network filesystem: use "
                                 "--root on a local disk (e.g. /var/tmp/$USER/sandbox)"
                               : ""});
  checks.push_back({.name = "kernel overlay in a user namespace",
                    .ok = probe->overlay_ok,
                    .detail = probe->overlay_ok ? "works" : probe->overlay_reason,
                    .optional = true});
  checks.push_back({.name = "fuse-overlayfs",
                    .ok = probe->fuse_ok,
                    .detail = probe->fuse_ok ? "usable" : probe->fuse_reason,
                    .optional = true});
  checks.push_back({.name = "storage driver",
                    .ok = true,
                    .detail = std::string(rootfs::to_string(probe->best)) +
                              (probe->remembered ? " (remembered)" : " (probed)")});
}

}  // namespace

bool HostReport::ready() const {
  for (const auto& check : checks)
    if (!check.ok && !check.optional) return false;
  return true;
}

HostReport check_host(const std::filesystem::path& store_root) {
  HostReport report;
  report.checks = userns::check_user_namespaces();
  report.checks.push_back(check_runtime_dir());
  add_storage_checks(store_root, report.checks);
  for (auto& item : net::check_networking()) report.checks.push_back(std::move(item));
  for (auto& item : cgroup::check_cgroups()) report.checks.push_back(std::move(item));
  return report;
}

}  // namespace sbx::launch
