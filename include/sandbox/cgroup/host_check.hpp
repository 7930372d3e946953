// Which cgroup layout this host has and which controllers reach the user,
// so limits are either enforced or refused with the fix.
#pragma once

#include <string>
#include <vector>

#include "sandbox/base/host_check.hpp"

namespace sbx::cgroup {

enum class Layout { kUnified, kHybrid, kLegacy, kNone };

struct CgroupFacts {
  Layout layout = Layout::kNone;
  std::string own_cgroup;                // our v2 path from /proc/self/cgroup ("" if none)
  std::vector<std::string> controllers;  // enabled in our v2 cgroup (cgroup.controllers)
  bool systemd_user_manager = false;     // $XDG_RUNTIME_DIR/systemd/private exists
};

// Pure: the layout from the text of /proc/self/mountinfo, the v2 path from
// the text of /proc/self/cgroup.
Layout layout_from_mountinfo(const std::string& mountinfo);
std::string unified_path_from_proc_cgroup(const std::string& proc_cgroup);

CgroupFacts gather_cgroup_facts();
std::vector<HostCheck> judge_cgroup_facts(const CgroupFacts& facts);
std::vector<HostCheck> check_cgroups();

const char* layout_name(Layout layout);

}  // namespace sbx::cgroup
