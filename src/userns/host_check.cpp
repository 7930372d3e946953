#include "sandbox/userns/host_check.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"
#include "sandbox/base/sync_message.hpp"
#include "sandbox/base/unique_fd.hpp"

namespace sbx::userns {
namespace {

std::optional<long> read_sysctl(const char* path) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  std::string_view value = trim(*text);
  long number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return number;
}

constexpr const char* kMaxUserns =
    "sudo sysctl -w user.max_user_namespaces=28633 (persist it in /etc/sysctl.d/)";
constexpr const char* kUsernsClone =
    "sudo sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)";
constexpr const char* kAppArmor =
    "copy sandbox's AppArmor profile (it allows userns), /usr/share/doc/sandbox/examples/"
    "usr.bin.sandbox, to /etc/apparmor.d/ and run sudo apparmor_parser -r on it, or run "
    "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0";

// The probe child: a failing step sends kError{errno, what failed} over the
// sync socket `fd`; success sends kDone.
[[noreturn]] void probe_child(int fd, uid_t uid, gid_t gid) {
  auto fail_step = [fd](const char* step) {
    SyncMessage message = make_sync_message(SyncType::kError);
    message.error_number = errno;
    std::snprintf(message.text, sizeof message.text, "%s", step);
    if (send_sync(fd, message) != 0) ::_exit(2);
    ::_exit(1);
  };
  auto write_proc = [](const char* path, const std::string& text) {
    int f = ::open(path, O_WRONLY | O_CLOEXEC);
    if (f < 0) return false;
    bool ok = ::write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(f);
    return ok;
  };
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) fail_step("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
  if (!write_proc("/proc/self/setgroups", "deny") ||
      !write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
    fail_step("write /proc/self/uid_map");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", "/tmp", "tmpfs", 0, "size=16k") != 0)
    fail_step("mount(tmpfs) in the namespace");
  ::_exit(send_sync(fd, make_sync_message(SyncType::kDone)) == 0 ? 0 : 2);
}

std::string describe_ranges(const SubidLookup& lookup) {
  std::vector<std::string> parts;
  for (const auto& r : lookup.ranges)
    parts.push_back(std::to_string(r.start) + "-" +
                    std::to_string(uint64_t{r.start} + r.count - 1));
  return join(parts, ", ") + " (" + std::to_string(total_ids(lookup.ranges)) + " ids) from " +
         lookup.source;
}

HostCheck judge_subids(const std::string& user, const SubidLookup& lookup, const char* file) {
  HostCheck check{std::string(file + 5), false, {}, {}};  // "subuid"
  check.optional = true;  // without a range containers still run, with one id mapped
  std::string start = std::to_string(lookup.suggested_start);
  std::string fix = "add the line '" + user + ":" + start + ":65536' to " + file;
  if (lookup.ranges.empty()) {
    check.detail = "no range for " + user + ": only one id can be mapped";
    check.fix = fix;
  } else if (total_ids(lookup.ranges) < kMaxSubordinateIds) {
    check.detail = describe_ranges(lookup) + ": images with files owned by higher ids fail";
    check.fix = fix + " in place of the smaller range";
  } else {
    check.ok = true;
    check.detail = describe_ranges(lookup);
  }
  return check;
}

HostCheck judge_helper(const MapHelper& helper) {
  HostCheck check{helper.name, helper.usable(), {}, {}};
  if (helper.path.empty()) {
    check.detail = "not found in PATH";
    check.fix = "sudo apt-get install uidmap";
  } else if (!helper.usable()) {
    check.detail = helper.path + " is neither setuid root nor has file capabilities";
    check.fix = "sudo apt-get install --reinstall uidmap (or sudo chmod u+s " + helper.path + ")";
  } else {
    check.detail = helper.path + (helper.setuid_root ? " (setuid root)" : " (file capabilities)");
  }
  return check;
}

void judge_sysctls(const UsernsFacts& facts, std::vector<HostCheck>& checks) {
  const auto& s = facts.sysctls;
  if (s.max_user_namespaces) {
    bool ok = *s.max_user_namespaces > 0;
    checks.push_back({"user.max_user_namespaces", ok, std::to_string(*s.max_user_namespaces),
                      ok ? "" : kMaxUserns});
  }
  if (s.unprivileged_userns_clone) {
    bool ok = *s.unprivileged_userns_clone != 0;
    checks.push_back({"kernel.unprivileged_userns_clone", ok,
                      std::to_string(*s.unprivileged_userns_clone), ok ? "" : kUsernsClone});
  }
  if (s.apparmor_restrict) {
    bool restricted = *s.apparmor_restrict != 0;
    // A profile with `userns,` lifts the restriction; the probe tells.
    bool ok = !restricted || facts.probe.ok;
    std::string detail = std::to_string(*s.apparmor_restrict);
    if (restricted) detail += ok ? " (a profile allows it)" : " (unprivileged userns restricted)";
    checks.push_back(
        {"kernel.apparmor_restrict_unprivileged_userns", ok, detail, ok ? "" : kAppArmor});
  }
}

HostCheck judge_probe(const UsernsFacts& facts) {
  HostCheck check{"user namespace", facts.probe.ok, {}, {}};
  if (facts.probe.ok) {
    check.detail = "an unprivileged user + mount namespace works";
    return check;
  }
  check.detail = facts.probe.step + ": " + std::strerror(facts.probe.errno_value);
  check.fix = userns_hint_for(facts.probe.errno_value, facts.sysctls);
  return check;
}

}  // namespace

UsernsSysctls read_userns_sysctls() {
  return UsernsSysctls{read_sysctl("/proc/sys/user/max_user_namespaces"),
                       read_sysctl("/proc/sys/kernel/unprivileged_userns_clone"),
                       read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")};
}

std::string userns_hint_for(int errno_value, const UsernsSysctls& sysctls) {
  if (sysctls.max_user_namespaces == 0L)
    return std::string("user namespaces are off: ") + kMaxUserns;
  if (errno_value == ENOSPC)
    return std::string("the limit of user namespaces is reached: ") + kMaxUserns;
  if (errno_value != EPERM && errno_value != EACCES && errno_value != EINVAL) return {};
  if (sysctls.unprivileged_userns_clone == 0L)
    return std::string("unprivileged user namespaces are off: ") + kUsernsClone;
  if (sysctls.apparmor_restrict.value_or(0) != 0)
    return std::string("AppArmor restricts unprivileged user namespaces: ") + kAppArmor;
  return "user namespaces are refused here (inside a container or under a seccomp policy?); check "
         "user.max_user_namespaces, kernel.unprivileged_userns_clone and "
         "kernel.apparmor_restrict_unprivileged_userns";
}

UsernsProbe probe_user_namespace() {
  UsernsProbe probe;
  auto pair = make_sync_pair();
  if (!pair) return {false, "socketpair", pair.error().errno_value()};
  auto& [read_end, write_end] = *pair;
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  pid_t pid = ::fork();
  if (pid < 0) return {false, "fork", errno};
  if (pid == 0) probe_child(write_end.get(), uid, gid);
  write_end.reset();
  auto report = receive_sync(read_end.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (report && *report && (*report)->message.type == SyncType::kError) {
    probe.step = sync_text((*report)->message);
    probe.errno_value = (*report)->message.error_number;
    return probe;
  }
  probe.ok = report && *report && (*report)->message.type == SyncType::kDone && WIFEXITED(status) &&
             WEXITSTATUS(status) == 0;
  if (!probe.ok) probe.step = "probe child ended abnormally";
  return probe;
}

UsernsFacts gather_userns_facts() {
  UsernsFacts facts;
  SubidOwner owner = current_owner();
  facts.user = owner.name.empty() ? std::to_string(owner.uid) : owner.name;
  if (auto uids = lookup_subids(SubidKind::kUid, owner)) facts.subuids = std::move(*uids);
  if (auto gids = lookup_subids(SubidKind::kGid, owner)) facts.subgids = std::move(*gids);
  facts.newuidmap = inspect_map_helper("newuidmap");
  facts.newgidmap = inspect_map_helper("newgidmap");
  facts.sysctls = read_userns_sysctls();
  facts.probe = probe_user_namespace();
  return facts;
}

std::vector<HostCheck> judge_userns_facts(const UsernsFacts& facts) {
  std::vector<HostCheck> checks;
  checks.push_back(judge_subids(facts.user, facts.subuids, "/etc/subuid"));
  checks.push_back(judge_subids(facts.user, facts.subgids, "/etc/subgid"));
  checks.push_back(judge_helper(facts.newuidmap));
  checks.push_back(judge_helper(facts.newgidmap));
  judge_sysctls(facts, checks);
  checks.push_back(judge_probe(facts));
  return checks;
}

std::vector<HostCheck> check_user_namespaces() { return judge_userns_facts(gather_userns_facts()); }

}  // namespace sbx::userns
