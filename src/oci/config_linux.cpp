// config.json "linux": namespaces, id mappings, devices, paths and the small
// fields; resources and seccomp have their own files.
#include <sched.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "config_sections.hpp"

namespace sbx::oci {
namespace {

using detail::field_error;
using detail::json;
using detail::ObjectReader;

constexpr std::array<std::pair<std::string_view, int>, 8> kNamespaces = {{
    {"pid", CLONE_NEWPID},
    {"network", CLONE_NEWNET},
    {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},
    {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME},
}};

// What runc's mount propagation table takes ("" = leave it to the runtime).
constexpr std::array<std::string_view, 9> kPropagations = {
    "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"};

Result<Namespace> parse_namespace(const ObjectReader& entry) {
  std::string type;
  SBX_TRY(entry.read_required("type", type));
  auto flag = namespace_type(type);
  if (!flag) return field_error(entry.path_of("type"), "unknown namespace type \"" + type + "\"");
  Namespace out{.type = *flag};
  SBX_TRY(entry.read("path", out.path));
  if (!out.path.empty() && out.path.front() != '/') {
    return field_error(entry.path_of("path"), "\"" + out.path + "\" is not an absolute path");
  }
  return out;
}

Status parse_namespaces(const ObjectReader& linux_section, std::vector<Namespace>& out) {
  return linux_section.for_each_object("namespaces", [&](const ObjectReader& entry) -> Status {
    auto ns = SBX_TRY(parse_namespace(entry));
    for (const auto& seen : out) {
      if (seen.type == ns.type) {
        return field_error(entry.path(), "namespace \"" + std::string(namespace_name(ns.type)) +
                                             "\" is listed twice");
      }
    }
    out.push_back(std::move(ns));
    return {};
  });
}

Result<Device> parse_device(const ObjectReader& entry) {
  Device out;
  SBX_TRY(entry.read_required("path", out.path));
  if (out.path.empty() || out.path.front() != '/') {
    return field_error(entry.path_of("path"), "\"" + out.path + "\" is not an absolute path");
  }
  std::string type;
  SBX_TRY(entry.read_required("type", type));
  if (type != "c" && type != "b" && type != "u" && type != "p") {
    return field_error(entry.path_of("type"), "\"" + type + "\" is not c, b, u or p");
  }
  out.type = type.front();
  // A fifo has no device number; the others need both.
  if (out.type != 'p') {
    SBX_TRY(entry.read_required("major", out.major));
    SBX_TRY(entry.read_required("minor", out.minor));
  }
  SBX_TRY(entry.read("fileMode", out.file_mode));
  SBX_TRY(entry.read("uid", out.uid));
  SBX_TRY(entry.read("gid", out.gid));
  return out;
}

Status parse_devices(const ObjectReader& linux_section, std::vector<Device>& out) {
  return linux_section.for_each_object("devices", [&](const ObjectReader& entry) -> Status {
    out.push_back(SBX_TRY(parse_device(entry)));
    return {};
  });
}

Status parse_absolute_paths(const ObjectReader& linux_section, std::string_view key,
                            std::vector<std::string>& out) {
  SBX_TRY(linux_section.read(key, out));
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].empty() || out[i].front() != '/') {
      return field_error(detail::item_path(linux_section.path_of(key), i),
                         "\"" + out[i] + "\" is not an absolute path");
    }
  }
  return {};
}

Result<std::optional<std::string>> parse_personality(const ObjectReader& linux_section) {
  auto personality = SBX_TRY(linux_section.object("personality"));
  if (!personality) return std::optional<std::string>();
  std::string domain;
  SBX_TRY(personality->read_required("domain", domain));
  if (domain != "LINUX" && domain != "LINUX32") {
    return field_error(personality->path_of("domain"),
                       "\"" + domain + "\" is not LINUX or LINUX32");
  }
  // flags: the spec defines none yet; only their type is checked.
  std::vector<std::string> flags;
  SBX_TRY(personality->read("flags", flags));
  return std::optional<std::string>(std::move(domain));
}

Status parse_time_offsets(const ObjectReader& linux_section,
                          std::map<std::string, TimeOffset>& out) {
  const json* offsets = linux_section.find("timeOffsets");
  if (offsets == nullptr) return {};
  auto reader = SBX_TRY(ObjectReader::open(*offsets, linux_section.path_of("timeOffsets")));
  for (const auto& [clock, value] : offsets->items()) {
    if (clock != "monotonic" && clock != "boottime") {
      return field_error(reader.path_of(clock), "unknown clock (monotonic or boottime)");
    }
    auto entry = SBX_TRY(ObjectReader::open(value, reader.path_of(clock)));
    TimeOffset offset;
    SBX_TRY(entry.read("secs", offset.secs));
    SBX_TRY(entry.read("nanosecs", offset.nanosecs));
    if (offset.nanosecs >= 1'000'000'000) {
      return field_error(entry.path_of("nanosecs"), "must be below 1000000000");
    }
    out[clock] = offset;
  }
  return {};
}

// The small string fields; rootfsPropagation is checked against runc's table.
Status parse_strings(const ObjectReader& linux_section, Linux& out) {
  SBX_TRY(linux_section.read("sysctl", out.sysctl));
  SBX_TRY(linux_section.read("cgroupsPath", out.cgroups_path));
  SBX_TRY(linux_section.read("mountLabel", out.mount_label));
  SBX_TRY(linux_section.read("rootfsPropagation", out.rootfs_propagation));
  for (std::string_view known : kPropagations) {
    if (out.rootfs_propagation == known) return {};
  }
  return field_error(linux_section.path_of("rootfsPropagation"),
                     "unknown propagation \"" + out.rootfs_propagation + "\"");
}

}  // namespace

namespace detail {

Result<std::vector<userns::IdMapEntry>> parse_id_mappings(const ObjectReader& parent,
                                                          std::string_view key) {
  std::vector<userns::IdMapEntry> out;
  Status status = parent.for_each_object(key, [&](const ObjectReader& entry) -> Status {
    userns::IdMapEntry map;
    SBX_TRY(entry.read_required("containerID", map.inside));
    SBX_TRY(entry.read_required("hostID", map.outside));
    SBX_TRY(entry.read_required("size", map.count));
    // The kernel refuses an empty range and one that runs past 2^32 - 1.
    uint64_t last = uint64_t{std::max(map.inside, map.outside)} + map.count;
    if (map.count == 0 || last > uint64_t{UINT32_MAX}) {
      return field_error(entry.path_of("size"), "must be at least 1 and keep the range in 32 bits");
    }
    out.push_back(map);
    return {};
  });
  if (!status) return std::unexpected(std::move(status).error());
  return out;
}

Result<Linux> parse_linux(const ObjectReader& linux_section, std::vector<std::string>& warnings) {
  Linux out;
  SBX_TRY(parse_namespaces(linux_section, out.namespaces));
  out.uid_mappings = SBX_TRY(parse_id_mappings(linux_section, "uidMappings"));
  out.gid_mappings = SBX_TRY(parse_id_mappings(linux_section, "gidMappings"));
  if (auto resources = SBX_TRY(linux_section.object("resources"))) {
    out.resources = SBX_TRY(parse_resources(*resources));
  }
  SBX_TRY(parse_devices(linux_section, out.devices));
  if (auto seccomp = SBX_TRY(linux_section.object("seccomp"))) {
    out.seccomp = SBX_TRY(parse_seccomp(*seccomp));
  }
  SBX_TRY(parse_strings(linux_section, out));
  SBX_TRY(parse_absolute_paths(linux_section, "maskedPaths", out.masked_paths));
  SBX_TRY(parse_absolute_paths(linux_section, "readonlyPaths", out.readonly_paths));
  out.personality = SBX_TRY(parse_personality(linux_section));
  SBX_TRY(parse_time_offsets(linux_section, out.time_offsets));
  // Intel RDT is a resource the model has no place for; runc applies it as root only.
  if (linux_section.find("intelRdt") != nullptr) {
    warnings.push_back(linux_section.path_of("intelRdt") + ": not supported, ignored");
  }
  return out;
}

}  // namespace detail

std::optional<int> namespace_type(std::string_view name) {
  for (const auto& [known, flag] : kNamespaces) {
    if (known == name) return flag;
  }
  return std::nullopt;
}

std::string_view namespace_name(int type) {
  for (const auto& [name, flag] : kNamespaces) {
    if (flag == type) return name;
  }
  return "";
}

}  // namespace sbx::oci
