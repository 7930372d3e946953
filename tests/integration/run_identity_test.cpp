// Who the container's process is and what it may reach: --userns=keep-id's
// passwd entry, --group-add (and keep-groups), --device and --tz, seen from
// inside (run and exec) and in inspect; refusals with their messages.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run_fixture.hpp"

namespace sbx::it {
namespace {

// The gids of the "Groups:" line of /proc/PID/status in `text`.
std::set<long> status_groups(const std::string& text) {
  std::set<long> out;
  auto at = text.find("Groups:");
  if (at == std::string::npos) return out;
  std::istringstream line(text.substr(at + 7, text.find('\n', at) - at - 7));
  for (long gid; line >> gid;) out.insert(gid);
  return out;
}

class RunIdentityTest : public RunTest {
 protected:
  // `sandbox inspect NAME` as JSON (the first element).
  nlohmann::json inspect_json(const std::string& name) {
    auto r = sandbox({"inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_array() && !j.empty()) return j[0];
    return j;
  }
};

TEST_F(RunIdentityTest, KeepIdAddsThePasswdEntryWithoutChangingTheImage) {
  std::string me = current_user_name();
  std::string uid = std::to_string(::getuid()), gid = std::to_string(::getgid());
  auto r = run({"--userns=keep-id"}, payload(),
               {"sh", "-c", "whoami; id -un; echo home=$HOME; grep \"^" + me + ":\" /etc/passwd"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with(me + "\n" + me + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "home=/\n")) << r.out;  // the host's home is not in the image
  EXPECT_TRUE(contains(r.out, me + ":*:" + uid + ":" + gid + ":" + me + ":/:/bin/sh\n")) << r.out;
  // The image's files are unchanged: a container without keep-id has no such line.
  auto plain = run({}, payload(), {"sh", "-c", "grep -c \"^" + me + ":\" /etc/passwd; true"});
  EXPECT_EQ(plain.out, "0\n") << plain.describe();
  // A volume at the host's home makes it the entry's home.
  // The home of the user's passwd entry (the fixture gives each test its own $HOME).
  struct passwd* pw = ::getpwuid(::getuid());
  std::string home = pw && pw->pw_dir ? pw->pw_dir : "";
  SBX_REQUIRES(home.starts_with("/") && home != "/", "a home directory for the test user");
  auto dir = test_dir() / "home";
  std::filesystem::create_directories(dir);
  auto with_home = run({"--userns=keep-id", "-v", dir.string() + ":" + home}, payload(),
                       {"sh", "-c", "echo home=$HOME; grep \"^" + me + ":\" /etc/passwd"});
  ASSERT_EQ(with_home.exit_code, 0) << with_home.describe();
  EXPECT_TRUE(contains(with_home.out, ":" + home + ":/bin/sh")) << with_home.out;
}

TEST_F(RunIdentityTest, KeepIdUserInExec) {
  std::string name = "kid-" + unique_token();
  auto started = sandbox(
      {"run", "-d", "--name", name, "--userns=keep-id", payload(), "payload", "sleep", "60"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  auto r = sandbox({"exec", name, "sh", "-c", "whoami; id -gn"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with(current_user_name() + "\n")) << r.out;
  sandbox({"rm", "-f", name});
}

TEST_F(RunIdentityTest, GroupAddNamesAndIdsInRunExecAndInspect) {
  std::string name = "grp-" + unique_token();
  auto started = sandbox({"run", "-d", "--name", name, "--group-add", "audio", "--group-add",
                          "4242", payload(), "payload", "sleep", "60"});
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  auto exec = sandbox({"exec", name, "cat", "/proc/self/status"});
  ASSERT_EQ(exec.exit_code, 0) << exec.describe();
  EXPECT_EQ(status_groups(exec.out), (std::set<long>{29, 4242})) << exec.out;
  auto j = inspect_json(name);
  EXPECT_EQ(j["HostConfig"]["GroupAdd"], nlohmann::json({"audio", "4242"})) << j.dump();
  sandbox({"rm", "-f", name});
  // Added to the user's own groups (tester is in wheel and audio).
  auto r = run({"--group-add", "daemon", "-u", "1000"}, payload(), {"id", "-Gn"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "daemon") && contains(r.out, "audio")) << r.out;
}

TEST_F(RunIdentityTest, GroupAddRefusals) {
  auto unknown = run({"--group-add", "nosuchgroup"}, payload(), {"true"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
  EXPECT_TRUE(contains(unknown.err, "unable to find group nosuchgroup")) << unknown.err;
  auto mixed = run({"--group-add", "keep-groups", "--group-add", "audio"}, payload(), {"true"});
  EXPECT_EQ(mixed.exit_code, 125) << mixed.describe();
  EXPECT_TRUE(contains(mixed.err, "not allowed with any other --group-add")) << mixed.err;
  auto unmapped = run({"--group-add", "4000000000"}, payload(), {"true"});
  EXPECT_EQ(unmapped.exit_code, 125) << unmapped.describe();
  EXPECT_TRUE(contains(unmapped.err, "not mapped")) << unmapped.err;
}

// The caller's own groups, as the container's user namespace maps them:
// our gid is the container's 0 (keep-id: itself), others are 65534.
TEST_F(RunIdentityTest, KeepGroupsKeepsTheCallersGroups) {
  std::vector<gid_t> host(::getgroups(0, nullptr));
  host.resize(::getgroups(static_cast<int>(host.size()), host.data()));
  std::set<long> expected, expected_keep_id;
  for (gid_t g : host) {
    expected.insert(g == ::getgid() ? 0 : 65534);
    expected_keep_id.insert(g == ::getgid() ? static_cast<long>(g) : 65534);
  }
  auto r = run({"--group-add", "keep-groups"}, payload(), {"cat", "/proc/self/status"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(status_groups(r.out), expected) << r.out;
  auto kid = run({"--group-add", "keep-groups", "--userns=keep-id"}, payload(),
                 {"cat", "/proc/self/status"});
  ASSERT_EQ(kid.exit_code, 0) << kid.describe();
  EXPECT_EQ(status_groups(kid.out), expected_keep_id) << kid.out;
  // Not vacuous: without it root has the image's groups (none) only.
  auto plain = run({}, payload(), {"cat", "/proc/self/status"});
  EXPECT_TRUE(status_groups(plain.out).empty()) << plain.out;
}

TEST_F(RunIdentityTest, DeviceBindsTheHostsNode) {
  auto r = run({"--device", "/dev/zero:/dev/myzero", "--device", "/dev/urandom:/dev/myrandom:r",
                "--device", "/dev/null:/opt/mynull"},
               payload(),
               {"sh", "-c",
                "test -c /dev/myzero && head -c 4 /dev/myzero | od -An -tx1; "
                "head -c 16 /dev/myrandom | wc -c; test -c /opt/mynull && echo x > /opt/mynull "
                "&& echo null-ok"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "00 00 00 00")) << r.out;
  EXPECT_TRUE(contains(r.out, "16\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "null-ok")) << r.out;
  std::string name = "dev-" + unique_token();
  auto created = sandbox(
      {"create", "--name", name, "--device", "/dev/zero:/dev/myzero:rw", payload(), "true"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  auto j = inspect_json(name);
  EXPECT_EQ(j["HostConfig"]["Devices"],
            nlohmann::json::parse(R"([{"PathOnHost":"/dev/zero","PathInContainer":"/dev/myzero",
                                      "CgroupPermissions":"rw"}])"))
      << j.dump();
}

TEST_F(RunIdentityTest, DeviceRefusals) {
  auto file = run({"--device", "/etc/hostname"}, payload(), {"true"});
  EXPECT_EQ(file.exit_code, 125) << file.describe();
  EXPECT_TRUE(contains(file.err, "--device /etc/hostname: not a device node")) << file.err;
  auto missing = run({"--device", "/dev/no-such-device"}, payload(), {"true"});
  EXPECT_EQ(missing.exit_code, 125) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "/dev/no-such-device")) << missing.err;
  auto relative = run({"--device", "dev/zero"}, payload(), {"true"});
  EXPECT_EQ(relative.exit_code, 125) << relative.describe();
  EXPECT_TRUE(contains(relative.err, "must be absolute")) << relative.err;
  // A node this user may not open (root's 0600 ones).
  std::string closed;
  for (const char* node : {"/dev/console", "/dev/loop-control", "/dev/tty0", "/dev/cpu_dma_latency",
                           "/dev/kvm", "/dev/mem"}) {
    struct stat st;
    if (::stat(node, &st) == 0 && S_ISCHR(st.st_mode) && ::access(node, R_OK | W_OK) < 0) {
      closed = node;
      break;
    }
  }
  SBX_REQUIRES(!closed.empty(), "a device node this user may not open");
  auto refused = run({"--device", closed}, payload(), {"true"});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "--device " + closed + ": you may not open it")) << refused.err;
}

TEST_F(RunIdentityTest, TimezoneNamedAndLocal) {
  auto tokyo = run({"--tz", "Asia/Tokyo"}, payload(), {"date", "+%Z %z"});
  ASSERT_EQ(tokyo.exit_code, 0) << tokyo.describe();
  EXPECT_EQ(tokyo.out, "JST +0900\n");
  auto plain = run({}, payload(), {"date", "+%z"});
  EXPECT_EQ(plain.out, "+0000\n") << plain.describe();  // not vacuous: the image has no zone
  // local: the zone the host's /etc/localtime names, as the host's date prints it.
  SBX_REQUIRES(std::filesystem::exists("/etc/localtime"), "/etc/localtime on the host");
  std::string host_zone;
  if (FILE* p = ::popen("date +%Z", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, p)) host_zone = buf;
    ::pclose(p);
  }
  auto local = run({"--tz", "local"}, payload(), {"date", "+%Z"});
  ASSERT_EQ(local.exit_code, 0) << local.describe();
  ASSERT_FALSE(host_zone.empty());
  EXPECT_EQ(local.out, host_zone);
  std::string name = "tz-" + unique_token();
  ASSERT_EQ(sandbox({"create", "--name", name, "--tz", "Asia/Tokyo", payload(), "true"}).exit_code,
            0);
  EXPECT_EQ(inspect_json(name)["Config"]["Timezone"], "Asia/Tokyo");
}

TEST_F(RunIdentityTest, TimezoneRefusals) {
  auto unknown = run({"--tz", "Mars/Olympus_Mons"}, payload(), {"true"});
  EXPECT_EQ(unknown.exit_code, 125) << unknown.describe();
  EXPECT_TRUE(contains(unknown.err, "--tz Mars/Olympus_Mons: unknown time zone")) << unknown.err;
  auto escape = run({"--tz", "../../../etc/passwd"}, payload(), {"true"});
  EXPECT_EQ(escape.exit_code, 125) << escape.describe();
  EXPECT_TRUE(contains(escape.err, "invalid --tz")) << escape.err;
  auto path = run({"--tz", "/etc/passwd"}, payload(), {"true"});
  EXPECT_EQ(path.exit_code, 125) << path.describe();
  auto not_name = run({"--tz", "zone.tab"}, payload(), {"true"});
  EXPECT_EQ(not_name.exit_code, 125) << not_name.describe();
  EXPECT_TRUE(contains(not_name.err, "invalid --tz")) << not_name.err;
  auto not_zone = run({"--tz", "Europe"}, payload(), {"true"});  // a directory
  EXPECT_EQ(not_zone.exit_code, 125) << not_zone.describe();
  EXPECT_TRUE(contains(not_zone.err, "is not a time zone file")) << not_zone.err;
}

}  // namespace
}  // namespace sbx::it
