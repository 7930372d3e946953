#include "sandbox/security/capabilities.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <pwd.h>
#include <signal.h>

#include "fork_child.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::security {
namespace {

using testing::kChildSkip;
using testing::run_in_child;
using testing::write_text;

TEST(CapabilityNames, TableMatchesKernelHeaders) {
  EXPECT_EQ(capability_name(CAP_CHOWN), "CAP_CHOWN");
  EXPECT_EQ(capability_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
  EXPECT_EQ(capability_name(CAP_SETFCAP), "CAP_SETFCAP");
  EXPECT_EQ(capability_name(CAP_CHECKPOINT_RESTORE), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(capability_name(CAP_LAST_CAP + 1), std::nullopt);
  EXPECT_EQ(capability_name(-1), std::nullopt);
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    auto name = capability_name(cap);
    ASSERT_TRUE(name) << cap;
    EXPECT_EQ(capability_number(*name), cap) << *name;
  }
}

TEST(CapabilityNames, LookupIgnoresCaseAndPrefix) {
  EXPECT_EQ(capability_number("CAP_NET_RAW"), CAP_NET_RAW);
  EXPECT_EQ(capability_number("net_raw"), CAP_NET_RAW);
  EXPECT_EQ(capability_number("Cap_Sys_Admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_number("NET_FLY"), std::nullopt);
  EXPECT_EQ(capability_number(""), std::nullopt);
  EXPECT_EQ(capability_number("CAP_"), std::nullopt);
}

TEST(CapabilitySet, DockerDefaultIsTheFourteenCaps) {
  auto names = CapabilitySet::docker_default().names();
  std::vector<std::string> expected = {
      "CAP_CHOWN",       "CAP_DAC_OVERRIDE", "CAP_FOWNER",
      "CAP_FSETID",      "CAP_KILL",         "CAP_SETGID",
      "CAP_SETUID",      "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE",
      "CAP_NET_RAW",     "CAP_SYS_CHROOT",   "CAP_MKNOD",
      "CAP_AUDIT_WRITE", "CAP_SETFCAP"};
  EXPECT_EQ(names, expected);
}

TEST(CapabilitySet, AllCoversTheRunningKernel) {
  auto all = CapabilitySet::all();
  int last = kernel_last_cap();
  EXPECT_TRUE(all.has(0));
  EXPECT_TRUE(all.has(last));
  EXPECT_FALSE(all.has(last + 1));
}

TEST(ResolveCapabilities, NoFlagsGivesDockerDefault) {
  auto caps = resolve_capabilities({}, {}, false);
  ASSERT_TRUE(caps) << caps.error().message();
  EXPECT_EQ(*caps, CapabilitySet::docker_default());
}

TEST(ResolveCapabilities, AddAndDrop) {
  auto caps = resolve_capabilities({"sys_admin", "CAP_NET_ADMIN"}, {"net_raw", "MKNOD"}, false);
  ASSERT_TRUE(caps) << caps.error().message();
  EXPECT_TRUE(caps->has(CAP_SYS_ADMIN));
  EXPECT_TRUE(caps->has(CAP_NET_ADMIN));
  EXPECT_FALSE(caps->has(CAP_NET_RAW));
  EXPECT_FALSE(caps->has(CAP_MKNOD));
  EXPECT_TRUE(caps->has(CAP_CHOWN));
}

TEST(ResolveCapabilities, DropAllKeepsOnlyAdds) {
  auto caps = resolve_capabilities({"NET_BIND_SERVICE"}, {"ALL"}, false);
  ASSERT_TRUE(caps);
  CapabilitySet expected;
  expected.add(CAP_NET_BIND_SERVICE);
  EXPECT_EQ(*caps, expected);
  auto none = resolve_capabilities({}, {"all"}, false);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ResolveCapabilities, AddAllKeepsDrops) {
  auto caps = resolve_capabilities({"ALL"}, {"CAP_SYS_ADMIN"}, false);
  ASSERT_TRUE(caps);
  CapabilitySet expected = CapabilitySet::all();
  expected.remove(CAP_SYS_ADMIN);
  EXPECT_EQ(*caps, expected);
}

TEST(ResolveCapabilities, PrivilegedGetsEverything) {
  auto caps = resolve_capabilities({}, {"NET_RAW"}, true);
  ASSERT_TRUE(caps);
  EXPECT_EQ(*caps, CapabilitySet::all());
}

TEST(ResolveCapabilities, UnknownNameIsAnError) {
  auto caps = resolve_capabilities({"NET_FLY"}, {}, false);
  ASSERT_FALSE(caps);
  EXPECT_NE(caps.error().message().find("--cap-add"), std::string::npos);
  EXPECT_NE(caps.error().message().find("NET_FLY"), std::string::npos);
  auto dropped = resolve_capabilities({}, {"bogus"}, false);
  ASSERT_FALSE(dropped);
  EXPECT_NE(dropped.error().message().find("--cap-drop"), std::string::npos);
}

TEST(ProcessStatus, ParsesCapabilityLines) {
  auto status = parse_process_status(
      "Name:\tcat\nCapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
      "CapEff:\t00000000a80425fb\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
      "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->effective, CapabilitySet::docker_default());
  EXPECT_EQ(status->permitted, CapabilitySet::docker_default());
  EXPECT_EQ(status->bounding.bits(), 0x1ffffffffffull);
  EXPECT_TRUE(status->inheritable.empty());
  EXPECT_TRUE(status->no_new_privs);
  EXPECT_EQ(status->seccomp_mode, 2);
  EXPECT_FALSE(parse_process_status("Name:\tcat\n"));
}

TEST(ProcessStatus, ReadsOwnStatus) {
  auto status = read_process_status();
  ASSERT_TRUE(status) << status.error().message();
  // Whatever we hold, effective is part of permitted and permitted of bounding.
  EXPECT_EQ(status->effective.bits() & ~status->permitted.bits(), 0u);
}

// In a new user namespace (full caps there), optionally map the caller to
// root, cut to `caps` and check all five sets before any execve.
std::string cut_in_user_namespace(CapabilitySet caps, bool map_root) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (!testing::enter_user_namespace()) return "skip";
  if (map_root) {
    auto write_proc = [](const char* path, const std::string& text) {
      int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) return false;
      bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      close(fd);
      return ok;
    };
    if (!write_proc("/proc/self/setgroups", "deny") ||
        !write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return "map failed";
    }
  }
  if (int err = apply_capabilities(CapabilitySets::from(caps)))
    return std::string("apply: ") + strerror(err);
  auto before = read_process_status();
  if (!before) return "read failed";
  if (before->effective != caps || before->permitted != caps || before->bounding != caps ||
      !before->inheritable.empty() || !before->ambient.empty()) {
    return "sets before exec differ";
  }
  return "ok";
}

// The OCI runtime's five sets, each as given: an ambient cap survives execve
// for root of the namespace as it would for any user.
TEST(ApplyCapabilities, SetsTheFiveOciSetsApart) {
  CapabilitySets sets;
  for (int cap : {CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE}) sets.bounding.add(cap);
  sets.permitted.add(CAP_KILL);
  sets.permitted.add(CAP_CHOWN);
  sets.effective.add(CAP_KILL);
  sets.inheritable.add(CAP_CHOWN);
  sets.ambient.add(CAP_CHOWN);
  auto result = run_in_child([&](int fd) {
    if (!testing::enter_user_namespace()) return kChildSkip;
    if (int err = apply_capabilities(sets)) {
      write_text(fd, std::string("apply: ") + strerror(err));
      return 1;
    }
    auto status = read_process_status();
    if (!status) return 2;
    bool ok = status->bounding == sets.bounding && status->permitted == sets.permitted &&
              status->effective == sets.effective && status->inheritable == sets.inheritable &&
              status->ambient == sets.ambient;
    write_text(fd, ok ? "ok" : "sets differ");
    return ok ? 0 : 1;
  });
  if (result.exit_code == kChildSkip) GTEST_SKIP() << "no unprivileged user namespaces";
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(ApplyCapabilities, CutsAllSetsInUserNamespace) {
  for (bool map_root : {true, false}) {
    CapabilitySet caps = CapabilitySet::docker_default();
    caps.remove(CAP_NET_RAW);
    auto result = run_in_child([&](int fd) {
      std::string verdict = cut_in_user_namespace(caps, map_root);
      if (verdict == "skip") return kChildSkip;
      if (verdict != "ok") {
        write_text(fd, verdict);
        return 1;
      }
      // Now execve: root in the namespace keeps exactly `caps`, anyone else
      // (the unmapped overflow uid) gets nothing but the bounding set.
      dup2(fd, STDOUT_FILENO);
      execl("/bin/cat", "cat", "/proc/self/status", static_cast<char*>(nullptr));
      return 2;
    });
    if (result.exit_code == kChildSkip) GTEST_SKIP() << "no unprivileged user namespaces";
    ASSERT_EQ(result.exit_code, 0) << result.output;
    auto status = parse_process_status(result.output);
    ASSERT_TRUE(status) << result.output;
    EXPECT_EQ(status->bounding, caps);
    EXPECT_TRUE(status->inheritable.empty());
    EXPECT_TRUE(status->ambient.empty());
    if (map_root) {
      EXPECT_EQ(status->effective, caps);
      EXPECT_EQ(status->permitted, caps);
    } else {
      EXPECT_TRUE(status->effective.empty());
      EXPECT_TRUE(status->permitted.empty());
    }
  }
}

TEST(ApplyCapabilities, EmptySetLeavesNothing) {
  auto result = run_in_child([](int fd) {
    if (!testing::enter_user_namespace()) return kChildSkip;
    if (int err = apply_capabilities(CapabilitySets::from(CapabilitySet()))) {
      write_text(fd, strerror(err));
      return 1;
    }
    auto status = read_process_status();
    if (!status) return 2;
    write_text(fd, std::to_string(status->effective.bits() | status->permitted.bits() |
                                  status->bounding.bits() | status->ambient.bits()));
    return 0;
  });
  if (result.exit_code == kChildSkip) GTEST_SKIP() << "no unprivileged user namespaces";
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "0");
}

}  // namespace
}  // namespace sbx::security

namespace sbx::security {
namespace {

bool write_proc_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// "start count" of the caller's line in /etc/subuid or /etc/subgid, or "".
std::string subordinate_range(const char* file) {
  passwd* pw = getpwuid(getuid());
  auto text = read_file(file);
  if (!pw || !text) return "";
  for (const auto& line : split(*text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() == 3 && fields[0] == pw->pw_name) return fields[1] + " " + fields[2];
  }
  return "";
}

// Maps 0 -> the caller and 1.. -> its subordinate ids (root: identity).
bool write_two_id_maps(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  if (geteuid() == 0) {
    return write_proc_file(proc + "/uid_map", "0 0 65536") &&
           write_proc_file(proc + "/gid_map", "0 0 65536");
  }
  auto map_with = [&](const char* helper, const char* file, unsigned id) {
    auto range = split(subordinate_range(file), ' ');
    if (range.size() != 2 || std::stoul(range[1]) < 1001) return false;
    auto ran = run_command(
        {helper, std::to_string(pid), "0", std::to_string(id), "1", "1", range[0], "1000"});
    return ran && ran->succeeded();
  };
  return map_with("newuidmap", "/etc/subuid", getuid()) &&
         map_with("newgidmap", "/etc/subgid", getgid());
}

// The order documented for the runtime: KEEPCAPS, setresuid to a non-root
// user, apply_capabilities. Needs a map with a second id: root writes it,
// others need newuidmap and a /etc/subuid range.
TEST(ApplyCapabilities, AfterSwitchToNonRootUser) {
  int ready[2], go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  const CapabilitySet caps = CapabilitySet::docker_default();
  auto result = run_in_child([&](int fd) {
    pid_t child = fork();
    if (child == 0) {
      char byte = testing::enter_user_namespace() ? 'y' : 'n';
      if (write(ready[1], &byte, 1) != 1 || byte == 'n') _exit(kChildSkip);
      if (read(go[0], &byte, 1) != 1) _exit(3);
      if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setresgid(1000, 1000, 1000) != 0 ||
          setresuid(1000, 1000, 1000) != 0) {
        _exit(4);
      }
      if (apply_capabilities(CapabilitySets::from(caps)) != 0) _exit(5);
      auto before = read_process_status();
      if (!before || before->effective != caps || before->bounding != caps) _exit(6);
      dup2(fd, STDOUT_FILENO);
      execl("/bin/cat", "cat", "/proc/self/status", static_cast<char*>(nullptr));
      _exit(7);
    }
    char byte = 0;
    if (read(ready[0], &byte, 1) != 1 || byte != 'y') return kChildSkip;
    if (!write_two_id_maps(child)) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
      return kChildSkip;
    }
    if (write(go[1], "g", 1) != 1) return 8;
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 9;
  });
  if (result.exit_code == kChildSkip) {
    GTEST_SKIP() << "no user namespaces with capabilities, or no newuidmap/subuid range";
  }
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto status = parse_process_status(result.output);
  ASSERT_TRUE(status) << result.output;
  // uid 1000 after execve: nothing effective or permitted, bounding = caps.
  EXPECT_TRUE(status->effective.empty());
  EXPECT_TRUE(status->permitted.empty());
  EXPECT_TRUE(status->ambient.empty());
  EXPECT_EQ(status->bounding, caps);
}

}  // namespace
}  // namespace sbx::security
