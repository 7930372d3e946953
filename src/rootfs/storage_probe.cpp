// Which storage driver this host can use: the store's file system, a real
// overlay mount in a user namespace, fuse-overlayfs and /dev/fuse. Probed
// once and remembered in <store>/storage-driver (re-probed after a kernel
// change).
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <map>

#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::rootfs {

namespace {

namespace fs = std::filesystem;

constexpr const char* kProbeFile = "storage-driver";

struct FsKind {
  unsigned long magic;
  const char* name;
  bool network;
};

constexpr FsKind kFsKinds[] = {
    {0x6969, "nfs", true},         {0x47504653, "gpfs", true},
    {0xFF534D42, "cifs", true},    {0xFE534D42, "smb2", true},
    {0x0BD00BD0, "lustre", true},  {0x00C36400, "ceph", true},
    {0x65735546, "fuse", true},    {EXT4_SUPER_MAGIC, "ext4", false},
    {0x58465342, "xfs", false},    {BTRFS_SUPER_MAGIC, "btrfs", false},
    {TMPFS_MAGIC, "tmpfs", false}, {OVERLAYFS_SUPER_MAGIC, "overlay", false},
    {0x2FC12FC1, "zfs", false},    {0xF2F52010, "f2fs", false},
};

std::string kernel_release() {
  struct utsname name {};
  ::uname(&name);
  return name.release;
}

// statfs of `path`, or of its nearest existing ancestor.
void classify_fs(const fs::path& path, StorageProbe& probe) {
  fs::path at = path;
  struct statfs st {};
  while (::statfs(at.c_str(), &st) != 0 && at.has_parent_path() && at != at.parent_path())
    at = at.parent_path();
  probe.fs_type = "unknown (0x" + [&] {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%lx", static_cast<unsigned long>(st.f_type));
    return std::string(hex);
  }() + ")";
  for (const FsKind& kind : kFsKinds) {
    if (static_cast<unsigned long>(st.f_type) == kind.magic) {
      probe.fs_type = kind.name;
      probe.network_fs = kind.network;
    }
  }
}

// A two-layer overlay with a whiteout, mounted with `userxattr` as root of a
// user namespace: mounts, hides the whited-out file, accepts a write.
Status try_overlay_in_userns(const fs::path& store_root) {
  SBX_TRY(make_dirs(store_root / "tmp", 0700));
  TempDir dir = SBX_TRY(TempDir::create(store_root / "tmp", "overlay-probe-"));
  const fs::path& d = dir.path();
  for (const char* sub : {"lower1", "lower2", "upper", "work", "merged"})
    SBX_TRY(make_dirs(d / sub, 0755));
  SBX_TRY(write_file_atomic(d / "lower1/hidden", "x"));
  if (::mknod((d / "lower2/hidden").c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    return fail_errno("mknod whiteout", (d / "lower2/hidden").native());
  RootfsLayout layout{{d / "lower2", d / "lower1"}, d / "upper", d / "work", d / "merged"};
  PreparedMount prepared = SBX_TRY(prepare_overlay_mount(layout));
  userns::IdMaps maps;
  maps.uids = {{0, static_cast<uint32_t>(::getuid()), 1}};
  maps.gids = {{0, static_cast<uint32_t>(::getgid()), 1}};
  auto outcome = userns::run_in_user_namespace(maps, [&](std::vector<std::string>&) -> Status {
    if (int err = mount_prepared(prepared); err != 0)
      return fail_errno("mount(overlay, userxattr)", prepared.target, err);
    if (path_exists(layout.merged / "hidden"))
      return fail("overlay ignored a whiteout (char device 0/0)", EINVAL);
    SBX_TRY(write_file_atomic(layout.merged / "written", "y"));
    ::umount2(layout.merged.c_str(), MNT_DETACH);
    return {};
  });
  // overlay leaves an empty work/work with mode 0, which TempDir cannot list.
  ::rmdir((d / "work/work").c_str());
  if (!outcome) return fail(std::move(outcome.error()));
  return {};
}

void probe_fuse(StorageProbe& probe) {
  if (!find_program("fuse-overlayfs")) {
    probe.fuse_reason = "fuse-overlayfs is not installed (apt-get install fuse-overlayfs)";
    return;
  }
  struct stat st {};
  if (::stat("/dev/fuse", &st) != 0 || !S_ISCHR(st.st_mode)) {
    probe.fuse_reason =
        "/dev/fuse is missing (ask the admin to load the fuse module: modprobe fuse)";
    return;
  }
  // Root of our user namespace is still this user to the host's permission
  // check, so /dev/fuse must be usable by the user directly.
  if (::access("/dev/fuse", R_OK | W_OK) != 0 || (st.st_mode & 0006) != 0006) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    probe.fuse_reason = std::string("/dev/fuse has mode ") + mode +
                        ", so a user namespace cannot open it: ask the admin to chmod 0666 "
                        "/dev/fuse, as Debian's udev rules do";
    return;
  }
  probe.fuse_ok = true;
}

std::string serialize(const StorageProbe& probe) {
  auto flat = [](std::string text) {
    for (char& c : text)
      if (c == '\n') c = ' ';
    return text;
  };
  return "kernel=" + kernel_release() + "\nbest=" + std::string(to_string(probe.best)) +
         "\nfs_type=" + flat(probe.fs_type) + "\nnetwork_fs=" + (probe.network_fs ? "1" : "0") +
         "\noverlay_ok=" + (probe.overlay_ok ? "1" : "0") +
         "\noverlay_reason=" + flat(probe.overlay_reason) +
         "\nfuse_ok=" + (probe.fuse_ok ? "1" : "0") + "\nfuse_reason=" + flat(probe.fuse_reason) +
         "\n";
}

std::optional<StorageProbe> parse_remembered(const std::string& text) {
  std::map<std::string, std::string> values;
  for (const std::string& line : split(text, '\n')) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (values["kernel"] != kernel_release()) return std::nullopt;
  auto best = parse_storage_driver(values["best"]);
  if (!best) return std::nullopt;
  StorageProbe probe;
  probe.best = *best;
  probe.fs_type = values["fs_type"];
  probe.network_fs = values["network_fs"] == "1";
  probe.overlay_ok = values["overlay_ok"] == "1";
  probe.overlay_reason = values["overlay_reason"];
  probe.fuse_ok = values["fuse_ok"] == "1";
  probe.fuse_reason = values["fuse_reason"];
  probe.remembered = true;
  return probe;
}

}  // namespace

Result<StorageProbe> probe_storage(const fs::path& store_root, bool force) {
  fs::path remembered = store_root / kProbeFile;
  if (!force && path_exists(remembered)) {
    if (auto text = read_file(remembered)) {
      if (auto probe = parse_remembered(*text)) return *probe;
    }
  }
  StorageProbe probe;
  classify_fs(store_root, probe);
  if (probe.network_fs) {
    probe.overlay_reason = "the store " + store_root.native() + " is on " + probe.fs_type +
                           ", which cannot hold overlay upper dirs; put the store on a local "
                           "file system (--root or XDG_DATA_HOME)";
  } else if (Status overlay = try_overlay_in_userns(store_root); !overlay) {
    probe.overlay_reason =
        "kernel overlay in a user namespace failed: " + overlay.error().message();
  } else {
    probe.overlay_ok = true;
  }
  probe_fuse(probe);
  if (probe.fuse_ok && probe.network_fs) {
    probe.fuse_ok = false;
    probe.fuse_reason =
        "the store is on " + probe.fs_type + ": upper dirs need a local file system";
  }
  probe.best = probe.overlay_ok ? StorageDriver::kOverlay
               : probe.fuse_ok  ? StorageDriver::kFuseOverlayfs
                                : StorageDriver::kVfs;
  SBX_TRY(make_dirs(store_root, 0700));
  SBX_TRY_CTX(write_file_atomic(remembered, serialize(probe), 0600), "remember storage driver");
  return probe;
}

Result<StorageDriver> probe_storage_driver(const fs::path& store_root) {
  StorageProbe probe = SBX_TRY(probe_storage(store_root));
  return probe.best;
}

Status check_storage_driver(const StorageProbe& probe, StorageDriver driver) {
  switch (driver) {
    case StorageDriver::kOverlay:
      if (probe.overlay_ok) return {};
      return fail(Error("storage driver overlay cannot work here: " + probe.overlay_reason, EINVAL)
                      .with_hint("use --storage-driver " + std::string(to_string(probe.best))));
    case StorageDriver::kFuseOverlayfs:
      if (probe.fuse_ok) return {};
      return fail(
          Error("storage driver fuse-overlayfs cannot work here: " + probe.fuse_reason, EINVAL)
              .with_hint("use --storage-driver " + std::string(to_string(probe.best))));
    case StorageDriver::kVfs:
      return {};
  }
  return fail("unknown storage driver", EINVAL);
}

}  // namespace sbx::rootfs
