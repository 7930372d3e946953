// Resource limits as the user typed them (docker/podman flags), parsed and
// turned into cgroup v2 interface files. Pure and unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::cgroup {

// `sandbox run` / `sandbox update` flags, as typed ("" = not given).
struct LimitFlags {
  std::string memory;              // --memory 256m
  std::string memory_swap;         // --memory-swap (memory + swap, -1 unlimited)
  std::string memory_reservation;  // --memory-reservation
  std::string cpus;                // --cpus 1.5
  std::string cpu_shares;          // --cpu-shares (2..262144)
  std::string cpu_weight;          // --cpu-weight (1..10000)
  std::string cpuset_cpus;         // --cpuset-cpus 0-2,4
  std::string pids_limit;          // --pids-limit (-1 or 0 unlimited)
  std::string io_weight;           // --io-weight (1..10000)
  std::string cgroup_manager;      // systemd (default) | cgroupfs
  std::string limits_policy;       // strict (default) | best-effort
};

// Parsed values; nullopt = not asked for. -1 = unlimited ("max").
struct Limits {
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_swap;  // memory + swap, docker's meaning
  std::optional<int64_t> memory_reservation;
  std::optional<double> cpus;
  std::optional<uint64_t> cpu_weight;  // from --cpu-weight or --cpu-shares
  std::string cpuset_cpus;
  std::optional<int64_t> pids_limit;
  std::optional<uint64_t> io_weight;
  bool any() const;
  friend bool operator==(const Limits&, const Limits&) = default;
};

enum class Manager { kSystemd, kCgroupfs };
enum class Policy { kStrict, kBestEffort };

// What a container asks of cgroups: no limits means no cgroup work at all.
struct CgroupRequest {
  Limits limits;
  Manager manager = Manager::kSystemd;
  Policy policy = Policy::kStrict;
  friend bool operator==(const CgroupRequest&, const CgroupRequest&) = default;
};

// podman's default pids.max when a container gets a cgroup.
inline constexpr int64_t kDefaultPidsLimit = 2048;

// "64m", "1g", "512k", "1024", "2gb" (docker's binary units); -1 for "-1".
Result<int64_t> parse_size(std::string_view text);
// docker/crun: cpu.weight = 1 + ((shares - 2) * 9999) / 262142.
uint64_t cpu_shares_to_weight(uint64_t shares);

Result<CgroupRequest> parse_cgroup_request(const LimitFlags& flags);
// For `update`: only the limits, with the same checks.
Result<Limits> parse_limits(const LimitFlags& flags);

// `update`: the limits given in `update` replace those in `into`; the others stay.
void merge_limits(Limits& into, const Limits& update);

// One write into a cgroup's interface file.
struct CgroupWrite {
  std::string file;  // "memory.max"
  std::string value;
  std::string controller;  // "memory"
  friend bool operator==(const CgroupWrite&, const CgroupWrite&) = default;
};

// Limits -> interface files, in an order the kernel accepts (memory.max
// before memory.swap.max). memory.swap.max is memory_swap - memory.
std::vector<CgroupWrite> limit_writes(const Limits& limits);
// The controllers those writes need, sorted and unique.
std::vector<std::string> required_controllers(const Limits& limits);
// The limits whose controller is not in `available`, removed; returns the
// names of the controllers that were missing.
std::vector<std::string> drop_unavailable(Limits& limits,
                                          const std::vector<std::string>& available);

}  // namespace sbx::cgroup
