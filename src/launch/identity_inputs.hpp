// The host side of keep-id, --device and --tz, found out while planning:
// the caller's passwd and group lines, the devices it may open, the zone file.
#pragma once

#include <filesystem>
#include <vector>

#include "sandbox/containers/spec.hpp"
#include "sandbox/launch/plan.hpp"

namespace sbx::launch {

// Fills in.etc_passwd/etc_group (writing them to in.etc_dir; in.passwd and
// in.group become the container's texts) and in.localtime; checks every
// --device. `lowers` are the image's layers, top first.
Status gather_identity_inputs(const containers::ContainerSpec& spec,
                              const std::vector<std::filesystem::path>& lowers, LaunchInputs& in);

// --device: a character or block device the caller may open with the
// permissions asked for, not on a nodev mount.
Status check_device(const containers::DeviceRequest& device);

// --tz: the host's zone file ("local": /etc/localtime's), symlinks
// resolved, never outside /usr/share/zoneinfo for a name.
Result<std::string> timezone_file(const std::string& zone);

}  // namespace sbx::launch
