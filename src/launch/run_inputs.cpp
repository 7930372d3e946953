// Gathering what the plan needs. Each step is one fallible call with context.
#include "run_inputs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "host_network.hpp"
#include "identity_inputs.hpp"
#include "join_netns.hpp"
#include "pause_namespace.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/containers/flag_parsers.hpp"
#include "sandbox/launch/mount_point_layer.hpp"
#include "sandbox/net/etc_files.hpp"
#include "sandbox/net/networks.hpp"
#include "sandbox/net/user_netns.hpp"
#include "sandbox/rootfs/storage.hpp"
#include "sandbox/security/policy.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"
#include "share_namespaces.hpp"
#include "volume_inputs.hpp"

namespace sbx::launch {
namespace {

constexpr size_t kMaxEtcFile = 1 << 20;

Result<rootfs::StorageDriver> choose_driver(const store::Store& store, const std::string& name) {
  if (!name.empty()) return rootfs::parse_storage_driver(name);
  return rootfs::probe_storage_driver(store.root());
}

Result<RootfsPlan> prepare_rootfs(const store::Store& store, const std::filesystem::path& dir,
                                  const std::filesystem::path& mount_point,
                                  const std::vector<std::filesystem::path>& lowers,
                                  const userns::IdMaps& maps, const std::string& driver_name) {
  auto layout = SBX_TRY(rootfs::make_container_layout(dir, mount_point, lowers));
  auto driver = SBX_TRY(choose_driver(store, driver_name));
  RootfsPlan root;
  root.path = layout.merged.string();
  switch (driver) {
    case rootfs::StorageDriver::kOverlay:
      root.mount = SBX_TRY(rootfs::prepare_overlay_mount(layout));
      break;
    case rootfs::StorageDriver::kFuseOverlayfs:
      root.mount = SBX_TRY(rootfs::prepare_fuse_overlay_mount(layout));
      break;
    case rootfs::StorageDriver::kVfs: {
      auto copy = dir / "rootfs";
      SBX_TRY_CTX(userns::run_in_user_namespace(maps,
                                                [&](std::vector<std::string>&) {
                                                  return rootfs::copy_layers_vfs(lowers, copy);
                                                }),
                  "copy layers (vfs)");
      root.mount = SBX_TRY(rootfs::prepare_vfs_mount(layout, copy));
      break;
    }
  }
  return root;
}

// /etc/hostname, /etc/hosts, /etc/resolv.conf of this container, in its
// runtime dir: they are rewritten at every start, and a tmpfs there spares the
// store's filesystem four inodes per start (and no fsync: kVolatile). On
// user networks each network's gateway (aardvark-dns) is a nameserver.
Result<std::string> write_etc_files(const std::filesystem::path& runtime_dir,
                                    const containers::ContainerSpec& spec,
                                    const std::vector<net::NetworkConfig>& networks) {
  auto etc = runtime_dir / "etc";
  SBX_TRY(make_dirs(etc, 0755));
  std::string host_resolv = read_file("/etc/resolv.conf").value_or("");
  constexpr auto kVolatile = Durability::kVolatile;
  SBX_TRY(write_file_atomic(etc / "hostname", spec.hostname + "\n", 0644, kVolatile));
  SBX_TRY(write_file_atomic(etc / "hosts", make_hosts_file(spec), 0644, kVolatile));
  std::string resolv =
      make_resolv_conf(host_resolv, spec, networks.empty() ? "" : networks[0].gateway);
  for (size_t i = 1; i < networks.size() && spec.dns.empty(); ++i)
    resolv = net::add_nameserver(resolv, networks[i].gateway);
  SBX_TRY(write_file_atomic(etc / "resolv.conf", resolv, 0644, kVolatile));
  return etc.string();
}

}  // namespace

// Compiling the default profile costs tens of ms; the cache under the store
// makes it a file read on every later run (and exec).
Result<security::SecurityPlan> plan_security(security::SecurityOptions options,
                                             const std::filesystem::path& store_root) {
  options.seccomp_cache_dir = store_root / "cache" / "seccomp";
  return security::make_security_plan(options);
}

Result<std::vector<std::string>> collect_env(const std::vector<std::string>& env_files,
                                             const std::vector<std::string>& env, bool http_proxy) {
  std::vector<std::string> entries;
  // podman passes these on by default, both spellings.
  static constexpr const char* kProxyVariables[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                                    "HTTPS_PROXY", "ftp_proxy",  "FTP_PROXY",
                                                    "no_proxy",    "NO_PROXY"};
  if (http_proxy)
    for (const char* name : kProxyVariables)
      if (const char* value = std::getenv(name)) entries.push_back(std::string(name) + "=" + value);
  for (const auto& path : env_files) {
    auto text = SBX_TRY_CTX(read_file(path), "--env-file");
    auto parsed = SBX_TRY_CTX(containers::parse_env_file(text), "--env-file " + path);
    entries.insert(entries.end(), parsed.begin(), parsed.end());
  }
  entries.insert(entries.end(), env.begin(), env.end());
  return containers::expand_env(entries, [](const std::string& key) -> std::optional<std::string> {
    const char* value = std::getenv(key.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
}

containers::ImageDefaults image_defaults(const image::ImageConfig& config) {
  containers::ImageDefaults defaults{config.env,         config.entrypoint, config.cmd,
                                     config.working_dir, config.user,       config.labels,
                                     config.stop_signal};
  defaults.healthcheck = containers::image_health_config(config.raw_json);
  defaults.exposed_ports = config.exposed_ports;
  return defaults;
}

Status check_bind_sources(const containers::ContainerSpec& spec) {
  for (const auto& m : spec.mounts) {
    if (m.type != containers::MountType::kBind) continue;
    struct stat st;
    if (::stat(m.source.c_str(), &st) < 0)
      return fail(Error::from_errno("bind mount source", m.source)
                      .with_hint("create it first: sandbox does not make missing host paths"));
  }
  return {};
}

std::string read_image_file(const std::vector<std::filesystem::path>& lowers_top_first,
                            const char* path) {
  for (const auto& layer : lowers_top_first) {
    UniqueFd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) continue;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;  // a FIFO must not hang us
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), path, &how, sizeof how)));
    if (!fd) {
      if (errno == ENOENT) continue;  // not in this layer: look lower
      return "";                      // a whiteout (device), a symlink, unreadable
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) return "";
    std::string text;
    char buf[8192];
    for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0 && text.size() < kMaxEtcFile;)
      text.append(buf, static_cast<size_t>(n));
    return text;
  }
  return "";
}

namespace {

Result<UserNetworks> resolve_user_networks(const std::filesystem::path& store_root,
                                           const containers::ContainerSpec& spec) {
  UserNetworks u;
  if (spec.network != containers::NetworkMode::kBridge) return u;
  auto networks = SBX_TRY(net::Networks::open(store_root));
  for (const auto& n : spec.networks) u.networks.push_back(SBX_TRY(networks.get(n.network)));
  u.netns_dir = SBX_TRY(net::user_netns_dir(store_root));
  return u;
}

// The rootfs layout under containers/<id> (its mount point and the /etc
// files in `runtime_dir`), the image's passwd and group, capabilities and the
// compiled seccomp program; `maps` go into the plan.
Result<LaunchInputs> gather_launch_inputs(const store::Store& store,
                                          const store::ImageRecord& image,
                                          const containers::ContainerSpec& spec,
                                          const std::string& id,
                                          const std::filesystem::path& runtime_dir,
                                          const userns::IdMaps& maps,
                                          const std::string& storage_driver) {
  LaunchInputs in;
  in.container_id = id;
  SBX_TRY_CTX(check_network_host(spec), "network");
  in.host_uid = ::getuid();
  in.host_gid = ::getgid();
  in.id_maps = maps;
  std::vector<std::filesystem::path> lowers;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
    lowers.push_back(store.layer_diff_dir(it->diff_id));
  auto layer_dir = store.mount_point_layer_dir(image.id);
  auto mount_points = SBX_TRY_CTX(
      mount_point_layer(layer_dir.parent_path(), layer_dir.filename(), lowers), "mount points");
  if (mount_points) lowers.insert(lowers.begin(), *mount_points);
  auto dir = store.containers_dir() / id;
  SBX_TRY(make_dirs(runtime_dir, 0700));
  in.rootfs = SBX_TRY_CTX(
      prepare_rootfs(store, dir, runtime_dir / "merged", lowers, in.id_maps, storage_driver),
      "rootfs");
  // A --rm container's upper dir dies with it: `volatile` spares the sync of
  // the upper filesystem when its mount namespace goes away (tens of ms on a
  // busy disk). Every kernel with unprivileged overlay (5.11) has it.
  if (spec.remove && in.rootfs.mount.driver == rootfs::StorageDriver::kOverlay)
    in.rootfs.mount.options += ",volatile";
  in.volumes_dir = SBX_TRY_CTX(prepare_volumes(spec, store, lowers, in.id_maps), "volumes");
  bool kernel_overlay = in.rootfs.mount.driver == rootfs::StorageDriver::kOverlay;
  in.volume_overlays_dir =
      SBX_TRY_CTX(prepare_volume_overlays(spec, dir, in.volumes_dir, kernel_overlay), "volumes");
  in.passwd = read_image_file(lowers, "etc/passwd");
  in.group = read_image_file(lowers, "etc/group");
  in.user_networks = SBX_TRY_CTX(resolve_user_networks(store.root(), spec), "network");
  in.etc_dir =
      SBX_TRY_CTX(write_etc_files(runtime_dir, spec, in.user_networks.networks), "/etc files");
  if (spec.network == containers::NetworkMode::kJoin) {
    auto others = SBX_TRY(containers::Containers::open(store.root()));
    std::filesystem::path etc_from;  // the container's whose network is shared
    in.join_netns = SBX_TRY_CTX(resolve_join_netns(others, spec.network_join, etc_from), "network");
    for (const char* name : {"hosts", "resolv.conf"}) {
      auto text = etc_from.empty() ? Result<std::string>(fail("")) : read_file(etc_from / name);
      if (text)
        SBX_TRY(write_file_atomic(std::filesystem::path(in.etc_dir) / name, *text, 0644,
                                  Durability::kVolatile));
    }
  }
  SBX_TRY(gather_identity_inputs(spec, lowers, in));
  if (!spec.pid_mode.empty() || !spec.ipc_mode.empty()) {
    auto others = SBX_TRY(containers::Containers::open(store.root()));
    in.shared = SBX_TRY(resolve_shared_namespaces(others, spec));
    in.host_mqueue = path_exists("/dev/mqueue");
  }
  in.security = SBX_TRY_CTX(plan_security(spec.security, store.root()), "security");
  return in;
}

Result<userns::IdMaps> container_id_maps(bool keep_id, images::ProgressSink& progress) {
  std::vector<std::string> warnings;
  auto mode = keep_id ? userns::Mode::kKeepId : userns::Mode::kDefault;
  auto maps = SBX_TRY_CTX(userns::id_maps_for_current_user(mode, warnings), "id maps");
  for (const auto& w : warnings) progress.warning(w);
  return maps;
}

Result<userns::NamespaceHolder> hold_namespaces(const userns::IdMaps& maps, bool host_network) {
  int namespaces = userns::NamespaceHolder::kHoldable & ~(host_network ? CLONE_NEWNET : 0);
  // A one-id map needs no helper. Otherwise the container's user namespace
  // is made inside the pause process's; where that cannot be had, it gets
  // its maps from the helpers as before.
  if (!maps.single_id())
    if (auto parent = parent_user_namespace(maps))
      return userns::NamespaceHolder::create_inside(parent->get(), maps, namespaces);
  return userns::NamespaceHolder::create(maps, namespaces);
}

}  // namespace

Result<NamespacesAhead> make_namespaces_ahead(bool keep_id, bool host_network,
                                              images::ProgressSink& progress) {
  auto maps = SBX_TRY(container_id_maps(keep_id, progress));
  auto holder = SBX_TRY(hold_namespaces(maps, host_network));
  return NamespacesAhead{std::move(maps), std::move(holder)};
}

Result<LaunchPlan> plan_container(const store::Store& store, const store::ImageRecord& image,
                                  const containers::ContainerSpec& spec, const std::string& id,
                                  const std::filesystem::path& runtime_dir,
                                  const userns::IdMaps& maps, const std::string& storage_driver) {
  auto inputs =
      SBX_TRY(gather_launch_inputs(store, image, spec, id, runtime_dir, maps, storage_driver));
  LaunchPlan plan = SBX_TRY(make_launch_plan(spec, inputs));
  SBX_TRY_CTX(
      chown_volume_sources(spec, inputs.volumes_dir, plan.process.uid, plan.process.gid, maps),
      "volumes");
  return plan;
}

}  // namespace sbx::launch
