// config.json "linux.resources" -> Resources. Every field of the spec is
// type-checked; what the model cannot hold is named in `unsupported`, so that
// planning refuses a limit it cannot apply instead of dropping it.
#include <string>

#include "config_sections.hpp"

namespace sbx::oci::detail {
namespace {

// A field that counts as a request when set: a number or string, a true
// boolean, a non-empty array or object. false and [] ask for nothing.
bool is_request(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_array() || value.is_object()) return !value.empty();
  return true;
}

// Type-checks an unmodelled field with `check` and records it if it asks for something.
template <class Check>
Status note_unsupported(const ObjectReader& section, std::string_view key, std::string_view name,
                        Resources& out, Check&& check) {
  const json* value = section.find(key);
  if (value == nullptr) return {};
  SBX_TRY(check(*value, section.path_of(key)));
  if (is_request(*value)) out.unsupported.emplace_back(name);
  return {};
}

Status check_int(const json& value, std::string_view path) {
  SBX_TRY(as_integer<int64_t>(value, path));
  return {};
}
Status check_uint(const json& value, std::string_view path) {
  SBX_TRY(as_integer<uint64_t>(value, path));
  return {};
}
Status check_bool(const json& value, std::string_view path) {
  SBX_TRY(as_bool(value, path));
  return {};
}

// blockIO.weightDevice and the throttle lists: [{major, minor, ...}].
Status check_device_list(const json& value, std::string_view path) {
  SBX_TRY(expect_array(value, path));
  for (size_t i = 0; i < value.size(); ++i) {
    auto entry = SBX_TRY(ObjectReader::open(value[i], item_path(path, i)));
    int64_t number = 0;
    SBX_TRY(entry.read_required("major", number));
    SBX_TRY(entry.read_required("minor", number));
    uint64_t rate = 0;
    SBX_TRY(entry.read("rate", rate));
    uint16_t weight = 0;
    SBX_TRY(entry.read("weight", weight));
    SBX_TRY(entry.read("leafWeight", weight));
  }
  return {};
}

// Arrays or maps of objects the model does not look into (hugepageLimits,
// network.priorities, rdma): only their outer shape is checked.
Status check_array(const json& value, std::string_view path) { return expect_array(value, path); }
Status check_object(const json& value, std::string_view path) {
  if (!value.is_object()) return field_error(path, "expected an object");
  return {};
}

Status parse_memory(const ObjectReader& memory, Resources& out) {
  SBX_TRY(memory.read("limit", out.memory_limit));
  SBX_TRY(memory.read("reservation", out.memory_reservation));
  SBX_TRY(memory.read("swap", out.memory_swap));
  SBX_TRY(note_unsupported(memory, "kernel", "memory.kernel", out, check_int));
  SBX_TRY(note_unsupported(memory, "kernelTCP", "memory.kernelTCP", out, check_int));
  SBX_TRY(note_unsupported(memory, "swappiness", "memory.swappiness", out, check_uint));
  SBX_TRY(note_unsupported(memory, "disableOOMKiller", "memory.disableOOMKiller", out, check_bool));
  SBX_TRY(note_unsupported(memory, "useHierarchy", "memory.useHierarchy", out, check_bool));
  SBX_TRY(
      note_unsupported(memory, "checkBeforeUpdate", "memory.checkBeforeUpdate", out, check_bool));
  return {};
}

Status parse_cpu(const ObjectReader& cpu, Resources& out) {
  SBX_TRY(cpu.read("shares", out.cpu_shares));
  SBX_TRY(cpu.read("quota", out.cpu_quota));
  SBX_TRY(cpu.read("period", out.cpu_period));
  SBX_TRY(cpu.read("cpus", out.cpuset_cpus));
  SBX_TRY(cpu.read("mems", out.cpuset_mems));
  SBX_TRY(note_unsupported(cpu, "burst", "cpu.burst", out, check_uint));
  SBX_TRY(note_unsupported(cpu, "realtimeRuntime", "cpu.realtimeRuntime", out, check_int));
  SBX_TRY(note_unsupported(cpu, "realtimePeriod", "cpu.realtimePeriod", out, check_uint));
  SBX_TRY(note_unsupported(cpu, "idle", "cpu.idle", out, check_int));
  return {};
}

Status parse_block_io(const ObjectReader& block_io, Resources& out) {
  SBX_TRY(block_io.read("weight", out.blkio_weight));
  SBX_TRY(note_unsupported(block_io, "leafWeight", "blockIO.leafWeight", out, check_uint));
  for (std::string_view key : {"weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                               "throttleReadIOPSDevice", "throttleWriteIOPSDevice"}) {
    SBX_TRY(note_unsupported(block_io, key, "blockIO." + std::string(key), out, check_device_list));
  }
  return {};
}

Status parse_network(const ObjectReader& network, Resources& out) {
  SBX_TRY(note_unsupported(network, "classID", "network.classID", out, check_uint));
  SBX_TRY(note_unsupported(network, "priorities", "network.priorities", out, check_array));
  return {};
}

// devices[]: the cgroup allow list, [{allow, type, major, minor, access}].
Status parse_device_rules(const ObjectReader& resources, Resources& out) {
  return resources.for_each_object("devices", [&](const ObjectReader& rule) -> Status {
    bool allow = false;
    SBX_TRY(rule.read_required("allow", allow));
    std::string type, access;
    SBX_TRY(rule.read("type", type));
    SBX_TRY(rule.read("access", access));
    std::optional<int64_t> number;
    SBX_TRY(rule.read("major", number));
    SBX_TRY(rule.read("minor", number));
    out.has_device_rules = true;
    return {};
  });
}

}  // namespace

Result<Resources> parse_resources(const ObjectReader& resources) {
  Resources out;
  if (auto memory = SBX_TRY(resources.object("memory"))) SBX_TRY(parse_memory(*memory, out));
  if (auto cpu = SBX_TRY(resources.object("cpu"))) SBX_TRY(parse_cpu(*cpu, out));
  if (auto pids = SBX_TRY(resources.object("pids"))) {
    SBX_TRY(pids->read_required("limit", out.pids_limit));
  }
  if (auto block_io = SBX_TRY(resources.object("blockIO"))) {
    SBX_TRY(parse_block_io(*block_io, out));
  }
  if (auto network = SBX_TRY(resources.object("network"))) SBX_TRY(parse_network(*network, out));
  SBX_TRY(note_unsupported(resources, "hugepageLimits", "hugepageLimits", out, check_array));
  SBX_TRY(note_unsupported(resources, "rdma", "rdma", out, check_object));
  SBX_TRY(resources.read("unified", out.unified));
  SBX_TRY(parse_device_rules(resources, out));
  return out;
}

}  // namespace sbx::oci::detail
