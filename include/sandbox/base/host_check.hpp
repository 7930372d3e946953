// One line of `sandbox system check`: what was looked at, whether it is fine,
// what was found, and the exact fix when it is not.
#pragma once

#include <string>

namespace sbx {

struct HostCheck {
  std::string name;  // "subuid", "/dev/net/tun", "cgroup", ...
  bool ok = false;
  std::string detail;     // what was found
  std::string fix;        // the command or line that fixes it (empty when ok)
  bool optional = false;  // a missing feature only some commands need
};

}  // namespace sbx
