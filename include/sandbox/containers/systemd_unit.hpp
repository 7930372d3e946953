// `sandbox generate systemd`: a systemd user unit that starts and stops a
// container, as podman generates one. There is no daemon, so this is how a
// container comes back after a reboot. Pure text, unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::containers {

struct SystemdUnitRequest {
  std::string container;                      // the name or id the unit uses
  std::string sandbox;                        // absolute path of the binary
  std::vector<std::string> global_args;       // e.g. {"--root", "/x"}
  std::string restart_policy = "on-failure";  // systemd's Restart=
  int stop_timeout = 10;                      // seconds
  // Without --new: the existing container is started and stopped;
  // `pid_file` is its monitor's (Type=forking).
  std::string pid_file;
  // --new: each start runs a fresh container as `run` made this one: its
  // flags (the words between `run` and IMAGE) and IMAGE [COMMAND...].
  bool fresh = false;
  std::vector<std::string> run_flags;
  std::vector<std::string> run_image_args;
};

// systemd's Restart= values.
bool valid_systemd_restart(std::string_view policy);
// One word of an Exec line, quoted and escaped for systemd (%, $, spaces).
std::string systemd_word(std::string_view word);
// run's flags without what the unit sets itself: -d, --rm, --name and
// --restart (systemd restarts it), also inside groups such as -dit.
std::vector<std::string> unit_run_flags(const std::vector<std::string>& flags);
// The unit's text; the file name is container-<container>.service.
Result<std::string> systemd_unit(const SystemdUnitRequest& request);

}  // namespace sbx::containers
