// The run flags about who the container's process is and what it may reach:
// --group-add, --device and --tz, checked before anything is prepared.
#include <algorithm>

#include "sandbox/base/strings.hpp"
#include "sandbox/containers/spec.hpp"

namespace sbx::containers {
namespace {

bool valid_device_permissions(std::string_view perms) {
  if (perms.empty() || perms.size() > 3) return false;
  for (size_t i = 0; i < perms.size(); ++i)
    if (std::string_view("rwm").find(perms[i]) == std::string_view::npos ||
        perms.find(perms[i], i + 1) != std::string_view::npos)
      return false;
  return true;
}

bool valid_container_device_path(std::string_view path) {
  return path.starts_with('/') && path.size() > 1 && path.find("/../") == std::string_view::npos &&
         !path.ends_with("/..") && path.find('\0') == std::string_view::npos;
}

Status add_group_add(const RunFlags& flags, ContainerSpec& spec) {
  for (const auto& group : flags.group_add) {
    if (group.empty() || group.find_first_of(":\n,") != std::string::npos)
      return fail(Error("invalid --group-add '" + group + "'", EINVAL)
                      .with_hint("give a group name of the image's /etc/group, a gid, or "
                                 "keep-groups"));
    if (group == kKeepGroups && flags.group_add.size() > 1)
      return fail(Error("the '--group-add keep-groups' option is not allowed with any other "
                        "--group-add option",
                        EINVAL)
                      .with_hint("keep-groups keeps your own groups; give it alone"));
  }
  spec.group_add = flags.group_add;
  return {};
}

}  // namespace

Result<DeviceRequest> parse_device(std::string_view text) {
  auto parts = split(text, ':');
  auto bad = [&](const std::string& why) {
    return fail(Error("invalid --device '" + std::string(text) + "': " + why, EINVAL)
                    .with_hint("use --device HOST-PATH[:CONTAINER-PATH][:PERMISSIONS], e.g. "
                               "--device /dev/fuse or --device /dev/zero:/dev/myzero:r"));
  };
  if (parts.empty() || parts.size() > 3) return bad("too many ':'");
  DeviceRequest d;
  d.host = parts[0];
  if (parts.size() == 2 && !parts[1].starts_with('/')) {
    d.permissions = parts[1];
  } else if (parts.size() >= 2) {
    d.container = parts[1];
    if (parts.size() == 3) d.permissions = parts[2];
  }
  if (d.container.empty()) d.container = d.host;
  if (!d.host.starts_with('/')) return bad("the host path must be absolute");
  if (!valid_container_device_path(d.container))
    return bad("the container path must be absolute, without '..'");
  if (!valid_device_permissions(d.permissions))
    return bad("permissions '" + d.permissions + "' are not a combination of r, w and m");
  return d;
}

Status check_timezone_name(std::string_view zone) {
  if (zone == "local") return {};
  auto bad = [&](const std::string& why) {
    return fail(Error("invalid --tz '" + std::string(zone) + "': " + why, EINVAL)
                    .with_hint("give a name under /usr/share/zoneinfo (e.g. Europe/Paris, UTC) "
                               "or local"));
  };
  if (zone.empty()) return bad("empty");
  if (zone.starts_with('/')) return bad("not a zone name but a path");
  for (const auto& part : split(zone, '/'))
    if (part.empty() || part == "." || part == "..") return bad("'.', '..' or an empty part");
  constexpr std::string_view kZoneChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-";
  if (zone.find_first_not_of(kZoneChars) != std::string_view::npos)
    return bad("a character no zone name has");
  return {};
}

// --group-add, --device and --tz into `spec`; the host side (the devices
// the caller may open, the zone file) is checked while planning.
Status apply_identity_options(const RunFlags& flags, ContainerSpec& spec) {
  SBX_TRY(add_group_add(flags, spec));
  for (const auto& text : flags.devices) {
    auto device = SBX_TRY(parse_device(text));
    if (std::ranges::any_of(
            spec.devices, [&](const DeviceRequest& d) { return d.container == device.container; }))
      return fail(Error("--device: two devices at " + device.container, EINVAL));
    spec.devices.push_back(std::move(device));
  }
  if (!flags.timezone.empty()) SBX_TRY(check_timezone_name(flags.timezone));
  spec.timezone = flags.timezone;
  return {};
}

}  // namespace sbx::containers
