#include "sandbox/launch/plan.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <algorithm>

namespace sbx::launch {
namespace {

LaunchInputs inputs() {
  LaunchInputs in;
  in.container_id = "0123456789abcdef0123";
  in.rootfs.path = "/store/containers/x/merged";
  in.id_maps.uids = {{0, 1000, 1}, {1, 100000, 65535}};
  in.id_maps.gids = {{0, 1000, 1}, {1, 100000, 65535}};
  in.passwd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
  in.group = "root:x:0:\nwheel:x:10:app\n";
  in.etc_dir = "/store/containers/x/etc";
  in.host_uid = 1000;
  in.host_gid = 1000;
  in.security.capabilities = security::CapabilitySet(0xff);
  in.security.seccomp = security::SeccompProgram{{sock_filter{0x06, 0, 0, 0x7fff0000}}};
  return in;
}

containers::ContainerSpec spec() {
  containers::ContainerSpec s;
  s.argv = {"sh"};
  s.env = {"PATH=/bin"};
  return s;
}

const PlanMount* find(const LaunchPlan& plan, const std::string& destination) {
  auto it = std::ranges::find(plan.mounts, destination, &PlanMount::destination);
  return it == plan.mounts.end() ? nullptr : &*it;
}

// --shm-size sizes /dev/shm (64 MiB without it); --sysctl becomes a
// /proc/sys path the child writes after pivot_root.
TEST(LaunchPlan, ShmSizeAndSysctls) {
  auto plain = *make_launch_plan(spec(), inputs());
  ASSERT_TRUE(find(plain, "/dev/shm"));
  EXPECT_EQ(find(plain, "/dev/shm")->data, "mode=1777,size=67108864");
  EXPECT_TRUE(plain.sysctls.empty());
  auto s = spec();
  s.shm_size = 1 << 30;
  s.sysctls = {{"kernel.shmmax", "4096"}, {"net.ipv4.ip_unprivileged_port_start", "0"}};
  auto plan = *make_launch_plan(s, inputs());
  EXPECT_EQ(find(plan, "/dev/shm")->data, "mode=1777,size=1073741824");
  std::vector<std::pair<std::string, std::string>> expected{
      {"/proc/sys/kernel/shmmax", "4096"}, {"/proc/sys/net/ipv4/ip_unprivileged_port_start", "0"}};
  EXPECT_EQ(plan.sysctls, expected);
}

TEST(LaunchPlan, SystemMountsAndDefaults) {
  auto plan = *make_launch_plan(spec(), inputs());
  EXPECT_EQ(plan.hostname, "0123456789ab");
  EXPECT_EQ(plan.namespaces, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
                                 CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWNET);
  ASSERT_TRUE(find(plan, "/proc"));
  EXPECT_EQ(find(plan, "/proc")->type, "proc");
  EXPECT_EQ(find(plan, "/sys")->type, "sysfs");
  EXPECT_TRUE(find(plan, "/sys")->flags & MS_RDONLY);
  for (const char* dev :
       {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}) {
    const PlanMount* m = find(plan, dev);
    ASSERT_TRUE(m) << dev;
    EXPECT_EQ(m->type, "bind");
    EXPECT_EQ(m->source, dev);
  }
  EXPECT_NE(find(plan, "/dev/pts")->data.find("newinstance"), std::string::npos);
  EXPECT_NE(find(plan, "/dev/pts")->data.find("gid=5"), std::string::npos);
  EXPECT_EQ(find(plan, "/dev/shm")->type, "tmpfs");
  EXPECT_EQ(find(plan, "/dev/mqueue")->type, "mqueue");
  EXPECT_EQ(find(plan, "/etc/resolv.conf")->source, "/store/containers/x/etc/resolv.conf");
  // /dev comes before what is mounted in it.
  EXPECT_LT(find(plan, "/dev"), find(plan, "/dev/null"));
  EXPECT_NE(std::ranges::find(plan.masked_paths, "/proc/kcore"), plan.masked_paths.end());
  EXPECT_NE(std::ranges::find(plan.readonly_paths, "/proc/sys"), plan.readonly_paths.end());
  EXPECT_EQ(plan.process.uid, 0u);
  EXPECT_EQ(plan.security.capabilities, security::CapabilitySet(0xff));
  ASSERT_TRUE(plan.security.seccomp);
  EXPECT_EQ(plan.security.seccomp->filter.size(), 1u);
  EXPECT_NE(std::ranges::find(plan.process.env, "HOME=/root"), plan.process.env.end());
}

TEST(LaunchPlan, HostNetworkBindsHostSys) {
  auto s = spec();
  s.network = containers::NetworkMode::kHost;
  auto plan = *make_launch_plan(s, inputs());
  EXPECT_FALSE(plan.namespaces & CLONE_NEWNET);
  EXPECT_EQ(find(plan, "/sys")->type, "bind");
  EXPECT_EQ(find(plan, "/sys")->source, "/sys");
}

// --network container:NAME / ns:PATH: the joiner's sysfs of that namespace, read-only.
TEST(LaunchPlan, JoinedNetworkGetsTheJoinersSysfs) {
  auto s = spec();
  s.network = containers::NetworkMode::kJoin;
  auto in = inputs();
  in.join_netns = "/proc/42/ns/net";
  auto plan = *make_launch_plan(s, in);
  EXPECT_EQ(find(plan, "/sys")->type, "sysfs-joined");
  EXPECT_TRUE(find(plan, "/sys")->flags & MS_RDONLY);
  EXPECT_EQ(plan.join_netns, "/proc/42/ns/net");
}

// --pid host binds the host's /proc (still masked); --ipc host binds the
// host's /dev/shm and /dev/mqueue; none has no /dev/shm; container:NAME gets
// the other container's /dev/shm and makes neither namespace.
TEST(LaunchPlan, SharedPidAndIpcNamespaces) {
  auto s = spec();
  s.pid_mode = "host";
  s.ipc_mode = "host";
  auto in = inputs();
  in.host_mqueue = true;
  auto host = *make_launch_plan(s, in);
  EXPECT_FALSE(host.namespaces & (CLONE_NEWPID | CLONE_NEWIPC));
  EXPECT_TRUE(host.namespaces & CLONE_NEWUSER);
  EXPECT_EQ(find(host, "/proc")->type, "bind");
  EXPECT_TRUE(find(host, "/proc")->recursive);
  EXPECT_NE(std::ranges::find(host.masked_paths, "/proc/kcore"), host.masked_paths.end());
  EXPECT_EQ(find(host, "/dev/shm")->source, "/dev/shm");
  EXPECT_EQ(find(host, "/dev/mqueue")->type, "bind");

  s.pid_mode = "";
  s.ipc_mode = "none";
  auto none = *make_launch_plan(s, inputs());
  EXPECT_TRUE(none.namespaces & CLONE_NEWIPC);
  EXPECT_EQ(find(none, "/proc")->type, "proc");
  EXPECT_FALSE(find(none, "/dev/shm"));
  EXPECT_EQ(find(none, "/dev/mqueue")->type, "mqueue");

  s.pid_mode = "container:web";
  s.ipc_mode = "container:web";
  in = inputs();
  in.shared = {"/proc/7/ns/user", "/proc/7/ns/pid", "/proc/7/ns/ipc", "/proc/7/ns/mnt"};
  auto joined = *make_launch_plan(s, in);
  EXPECT_FALSE(joined.namespaces & (CLONE_NEWPID | CLONE_NEWIPC));
  EXPECT_EQ(joined.shared, in.shared);
  EXPECT_EQ(find(joined, "/proc")->type, "proc");
  EXPECT_EQ(find(joined, "/dev/shm")->type, kSharedShmMount);
  EXPECT_EQ(find(joined, "/dev/mqueue")->type, "mqueue");
}

TEST(LaunchPlan, UserMountsSortedParentsFirst) {
  auto s = spec();
  s.mounts = {{containers::MountType::kBind, "/h/a", "/data/sub", true},
              {containers::MountType::kTmpfs, "tmpfs", "/data", false, MS_NOSUID, "size=1m"}};
  auto plan = *make_launch_plan(s, inputs());
  const PlanMount* parent = find(plan, "/data");
  const PlanMount* child = find(plan, "/data/sub");
  ASSERT_TRUE(parent && child);
  EXPECT_LT(parent, child);
  EXPECT_EQ(parent->type, "tmpfs");
  EXPECT_EQ(parent->data, "size=1m");
  EXPECT_TRUE(child->flags & MS_RDONLY);
}

// :O: an overlay over the source (a volume's dir for a volume), its upper and
// work dirs numbered by the mount's place in the spec.
TEST(LaunchPlan, OverlayMountsUseTheirOwnUpperDir) {
  auto s = spec();
  s.mounts = {{containers::MountType::kBind, "/h/a", "/a"},
              {containers::MountType::kVolume, "vol", "/v"}};
  s.mounts[1].overlay = true;
  auto in = inputs();
  in.volumes_dir = "/store/volumes";
  in.volume_overlays_dir = "/store/containers/x/volume-overlays";
  auto plan = *make_launch_plan(s, in);
  const PlanMount* bind = find(plan, "/a");
  const PlanMount* overlay = find(plan, "/v");
  ASSERT_TRUE(bind && overlay);
  EXPECT_EQ(bind->type, "bind");
  EXPECT_EQ(bind->source, "/h/a");
  EXPECT_EQ(overlay->type, "overlay");
  EXPECT_EQ(overlay->data,
            "lowerdir=/store/volumes/vol/_data,upperdir=/store/containers/x/volume-overlays/1/"
            "upper,workdir=/store/containers/x/volume-overlays/1/work,userxattr");
}

// The set is the same as root's; execve drops it for a non-root user (no
// ambient caps), leaving it only as the bounding set.
TEST(LaunchPlan, NonRootUserGetsTheSameCapabilitySet) {
  auto s = spec();
  s.user = "app";
  auto plan = *make_launch_plan(s, inputs());
  EXPECT_EQ(plan.process.uid, 1000u);
  EXPECT_EQ(plan.process.additional_gids, (std::vector<uint32_t>{10}));
  EXPECT_EQ(plan.security.capabilities, security::CapabilitySet(0xff));
  EXPECT_NE(std::ranges::find(plan.process.env, "HOME=/home/app"), plan.process.env.end());
}

TEST(LaunchPlan, UnmappedOrUnknownUsersAreErrors) {
  auto s = spec();
  s.user = "70000";
  EXPECT_FALSE(make_launch_plan(s, inputs()));
  s.user = "ghost";
  EXPECT_FALSE(make_launch_plan(s, inputs()));
}

TEST(LaunchPlan, KeepIdRunsAsTheInvokingUser) {
  auto s = spec();
  s.keep_id = true;
  auto in = inputs();
  in.id_maps.uids = {{0, 100000, 1000}, {1000, 1000, 1}, {1001, 101000, 64535}};
  in.id_maps.gids = in.id_maps.uids;
  auto plan = *make_launch_plan(s, in);
  EXPECT_EQ(plan.process.uid, 1000u);
  EXPECT_EQ(plan.process.gid, 1000u);
}

TEST(LaunchPlan, PrivilegedHasNoMasksAndNoSeccomp) {
  auto s = spec();
  s.security.privileged = true;
  s.read_only_rootfs = true;
  auto plan = *make_launch_plan(s, inputs());
  EXPECT_TRUE(plan.masked_paths.empty());
  EXPECT_TRUE(plan.readonly_paths.empty());
  EXPECT_FALSE(plan.security.seccomp);
  EXPECT_FALSE(find(plan, "/sys")->flags & MS_RDONLY);
  EXPECT_TRUE(plan.root.read_only);
}

TEST(LaunchPlan, SingleIdMapLeavesOutTheTtyGroup) {
  auto in = inputs();
  in.id_maps.uids = {{0, 1000, 1}};
  in.id_maps.gids = {{0, 1000, 1}};
  auto plan = *make_launch_plan(spec(), in);
  EXPECT_EQ(find(plan, "/dev/pts")->data.find("gid="), std::string::npos);
}

TEST(EtcFiles, HostsAndResolvConf) {
  containers::ContainerSpec s;
  s.hostname = "web";
  s.network = containers::NetworkMode::kNone;
  EXPECT_NE(make_hosts_file(s).find("127.0.1.1\tweb\n"), std::string::npos);
  EXPECT_NE(make_hosts_file(s).find("localhost"), std::string::npos);
  EXPECT_EQ(make_resolv_conf("nameserver 1.1.1.1\n", s), "");
  s.network = containers::NetworkMode::kHost;
  EXPECT_EQ(make_resolv_conf("nameserver 1.1.1.1\n", s), "nameserver 1.1.1.1\n");
}

}  // namespace
}  // namespace sbx::launch
