#include "sandbox/cgroup/host_check.hpp"

#include <cstdlib>
#include <sstream>

#include "sandbox/base/files.hpp"
#include "sandbox/base/strings.hpp"

namespace sbx::cgroup {

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::kUnified:
      return "v2 (unified)";
    case Layout::kHybrid:
      return "hybrid (v1 controllers, v2 without them)";
    case Layout::kLegacy:
      return "v1 (legacy)";
    case Layout::kNone:
      return "none mounted";
  }
  return "unknown";
}

Layout layout_from_mountinfo(const std::string& mountinfo) {
  bool v1 = false, v2 = false, v2_at_root = false;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    // "... mountpoint options - fstype source superoptions"
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto before = split(line.substr(0, dash), ' ');
    auto after = split(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.empty()) continue;
    if (after[0] == "cgroup2") {
      v2 = true;
      if (before[4] == "/sys/fs/cgroup") v2_at_root = true;
    } else if (after[0] == "cgroup") {
      v1 = true;
    }
  }
  if (v2_at_root && !v1) return Layout::kUnified;
  if (v1 && v2) return Layout::kHybrid;
  if (v1) return Layout::kLegacy;
  return v2 ? Layout::kUnified : Layout::kNone;
}

std::string unified_path_from_proc_cgroup(const std::string& proc_cgroup) {
  std::istringstream lines(proc_cgroup);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

CgroupFacts gather_cgroup_facts() {
  CgroupFacts facts;
  if (auto mountinfo = read_file("/proc/self/mountinfo"))
    facts.layout = layout_from_mountinfo(*mountinfo);
  if (auto own = read_file("/proc/self/cgroup"))
    facts.own_cgroup = unified_path_from_proc_cgroup(*own);
  if (facts.layout == Layout::kUnified && !facts.own_cgroup.empty()) {
    auto text = read_file("/sys/fs/cgroup" + facts.own_cgroup + "/cgroup.controllers");
    if (text)
      for (auto& name : split(trim(*text), ' '))
        if (!name.empty()) facts.controllers.push_back(name);
  }
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg)
    facts.systemd_user_manager = path_exists(std::string(xdg) + "/systemd/private");
  return facts;
}

std::vector<HostCheck> judge_cgroup_facts(const CgroupFacts& facts) {
  HostCheck layout{.name = "cgroup", .detail = layout_name(facts.layout), .optional = true};
  layout.ok = facts.layout == Layout::kUnified;
  if (!layout.ok)
    layout.fix =
        "resource limits need cgroup v2: boot with systemd.unified_cgroup_hierarchy=1 "
        "(containers without limits run anyway)";
  HostCheck controllers{.name = "cgroup controllers", .optional = true};
  controllers.detail = facts.controllers.empty() ? "none delegated" : join(facts.controllers, " ");
  for (const char* needed : {"cpu", "memory", "pids"}) {
    bool found = false;
    for (auto& c : facts.controllers) found |= c == needed;
    if (!found)
      controllers.fix =
          "install /usr/share/doc/sandbox/examples/delegate.conf (packaging/systemd/ in the "
          "source) as /etc/systemd/system/user@.service.d/delegate.conf";
  }
  controllers.ok = controllers.fix.empty();
  HostCheck manager{.name = "systemd user manager", .optional = true};
  manager.ok = facts.systemd_user_manager;
  manager.detail = manager.ok ? "running" : "not found (no $XDG_RUNTIME_DIR/systemd/private)";
  if (!manager.ok) manager.fix = "loginctl enable-linger $USER, then log in again";
  return {layout, controllers, manager};
}

std::vector<HostCheck> check_cgroups() { return judge_cgroup_facts(gather_cgroup_facts()); }

}  // namespace sbx::cgroup
