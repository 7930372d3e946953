// docker/podman limit flags -> checked values -> cgroup v2 interface files.
#include "sandbox/cgroup/limits.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace sbx::cgroup {
namespace {

constexpr int64_t kMinMemory = 6 * 1024 * 1024;  // docker refuses less
constexpr uint64_t kCpuPeriod = 100000;          // cpu.max period, microseconds

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <class T>
Result<T> parse_number(std::string_view flag, std::string_view text, T min, T max) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return fail(std::string(flag) + " '" + std::string(text) + "': not a number");
  if (value < min || value > max)
    return fail(std::string(flag) + " '" + std::string(text) + "': out of range " +
                std::to_string(min) + ".." + std::to_string(max));
  return value;
}

Status check_cpuset(std::string_view text) {
  bool ok = !text.empty() && text.find_first_not_of("0123456789,-") == std::string_view::npos;
  ok = ok && text.front() != ',' && text.front() != '-' && text.back() != ',' &&
       text.back() != '-' && text.find(",,") == std::string_view::npos &&
       text.find("--") == std::string_view::npos;
  if (!ok)
    return fail(Error("--cpuset-cpus '" + std::string(text) + "': invalid list")
                    .with_hint("use a list such as 0-2,4"));
  return {};
}

Result<std::optional<int64_t>> optional_size(std::string_view flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  return SBX_TRY_CTX(parse_size(text), std::string(flag));
}

Status parse_memory(const LimitFlags& f, Limits& l) {
  l.memory = SBX_TRY(optional_size("--memory", f.memory));
  l.memory_swap = SBX_TRY(optional_size("--memory-swap", f.memory_swap));
  l.memory_reservation = SBX_TRY(optional_size("--memory-reservation", f.memory_reservation));
  if (l.memory == -1) l.memory.reset();
  if (l.memory && *l.memory < kMinMemory)
    return fail("--memory " + f.memory + ": the minimum is 6m");
  if (l.memory_swap && !l.memory)
    return fail(Error("--memory-swap needs --memory").with_hint("--memory-swap is memory + swap"));
  if (l.memory_swap && *l.memory_swap != -1 && *l.memory_swap < *l.memory)
    return fail("--memory-swap " + f.memory_swap + " is below --memory " + f.memory +
                " (it is memory + swap)");
  if (l.memory_reservation && l.memory && *l.memory_reservation > *l.memory)
    return fail("--memory-reservation " + f.memory_reservation + " is above --memory " + f.memory);
  if (l.memory_reservation == -1) l.memory_reservation.reset();
  return {};
}

Status parse_cpu(const LimitFlags& f, Limits& l) {
  if (!f.cpus.empty()) {
    double cpus = 0;
    auto [end, ec] = std::from_chars(f.cpus.data(), f.cpus.data() + f.cpus.size(), cpus);
    if (ec != std::errc() || end != f.cpus.data() + f.cpus.size() || !(cpus > 0) ||
        !std::isfinite(cpus) || cpus > 1024)
      return fail("--cpus '" + f.cpus + "': expected a number of CPUs such as 1.5");
    l.cpus = cpus;
  }
  if (!f.cpu_shares.empty() && !f.cpu_weight.empty())
    return fail("--cpu-shares and --cpu-weight both set the cpu weight: give one");
  if (!f.cpu_shares.empty())
    l.cpu_weight = cpu_shares_to_weight(
        SBX_TRY(parse_number<uint64_t>("--cpu-shares", f.cpu_shares, 2, 262144)));
  if (!f.cpu_weight.empty())
    l.cpu_weight = SBX_TRY(parse_number<uint64_t>("--cpu-weight", f.cpu_weight, 1, 10000));
  if (!f.cpuset_cpus.empty()) {
    SBX_TRY(check_cpuset(f.cpuset_cpus));
    l.cpuset_cpus = f.cpuset_cpus;
  }
  return {};
}

}  // namespace

bool Limits::any() const {
  return memory || memory_swap || memory_reservation || cpus || cpu_weight ||
         !cpuset_cpus.empty() || pids_limit || io_weight;
}

Result<int64_t> parse_size(std::string_view text) {
  if (text == "-1") return -1;
  std::string t = lower(text);
  if (t.size() > 1 && t.back() == 'b' && !std::isdigit(static_cast<unsigned char>(t.end()[-2])))
    t.pop_back();  // "64mb" -> "64m"
  static const std::map<char, int64_t> kUnits = {
      {'b', 1}, {'k', 1LL << 10}, {'m', 1LL << 20}, {'g', 1LL << 30}, {'t', 1LL << 40}};
  int64_t unit = 1;
  if (!t.empty() && kUnits.contains(t.back())) {
    unit = kUnits.at(t.back());
    t.pop_back();
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || value < 0)
    return fail(Error("invalid size '" + std::string(text) + "'")
                    .with_hint("use a number with an optional unit b, k, m or g, e.g. 256m"));
  if (value > INT64_MAX / unit) return fail("size '" + std::string(text) + "' is too large");
  return value * unit;
}

uint64_t cpu_shares_to_weight(uint64_t shares) {
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

Result<Limits> parse_limits(const LimitFlags& f) {
  Limits l;
  SBX_TRY(parse_memory(f, l));
  SBX_TRY(parse_cpu(f, l));
  if (!f.pids_limit.empty()) {
    int64_t pids = SBX_TRY(parse_number<int64_t>("--pids-limit", f.pids_limit, -1, 1LL << 22));
    l.pids_limit = pids <= 0 ? -1 : pids;
  }
  if (!f.io_weight.empty())
    l.io_weight = SBX_TRY(parse_number<uint64_t>("--io-weight", f.io_weight, 1, 10000));
  return l;
}

Result<CgroupRequest> parse_cgroup_request(const LimitFlags& f) {
  CgroupRequest r;
  r.limits = SBX_TRY(parse_limits(f));
  if (f.cgroup_manager == "cgroupfs")
    r.manager = Manager::kCgroupfs;
  else if (!f.cgroup_manager.empty() && f.cgroup_manager != "systemd")
    return fail(Error("unsupported --cgroup-manager '" + f.cgroup_manager + "'")
                    .with_hint("use systemd or cgroupfs"));
  if (f.limits_policy == "best-effort")
    r.policy = Policy::kBestEffort;
  else if (!f.limits_policy.empty() && f.limits_policy != "strict")
    return fail(Error("unsupported --limits '" + f.limits_policy + "'")
                    .with_hint("use strict or best-effort"));
  return r;
}

std::vector<CgroupWrite> limit_writes(const Limits& l) {
  auto bytes = [](int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  std::vector<CgroupWrite> w;
  if (l.memory_reservation) w.push_back({"memory.low", bytes(*l.memory_reservation), "memory"});
  if (l.memory) {
    w.push_back({"memory.max", bytes(*l.memory), "memory"});
    // docker: no --memory-swap allows as much swap as memory (memory-swap = 2 * memory).
    int64_t swap = l.memory_swap.value_or(2 * *l.memory);
    w.push_back({"memory.swap.max", swap < 0 ? "max" : std::to_string(swap - *l.memory), "memory"});
  }
  if (l.cpus) {
    auto quota = static_cast<uint64_t>(std::llround(*l.cpus * kCpuPeriod));
    w.push_back({"cpu.max",
                 std::to_string(std::max<uint64_t>(quota, 1000)) + " " + std::to_string(kCpuPeriod),
                 "cpu"});
  }
  if (l.cpu_weight) w.push_back({"cpu.weight", std::to_string(*l.cpu_weight), "cpu"});
  if (!l.cpuset_cpus.empty()) w.push_back({"cpuset.cpus", l.cpuset_cpus, "cpuset"});
  if (l.pids_limit) w.push_back({"pids.max", bytes(*l.pids_limit), "pids"});
  if (l.io_weight) w.push_back({"io.weight", "default " + std::to_string(*l.io_weight), "io"});
  return w;
}

std::vector<std::string> required_controllers(const Limits& limits) {
  std::vector<std::string> names;
  for (auto& write : limit_writes(limits)) names.push_back(write.controller);
  std::ranges::sort(names);
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::string> drop_unavailable(Limits& l, const std::vector<std::string>& available) {
  auto has = [&](const char* name) {
    return std::ranges::find(available, name) != available.end();
  };
  std::vector<std::string> missing;
  for (auto& name : required_controllers(l))
    if (!has(name.c_str())) missing.push_back(name);
  auto gone = [&](const char* name) { return std::ranges::find(missing, name) != missing.end(); };
  if (gone("memory")) {
    l.memory.reset();
    l.memory_swap.reset();
    l.memory_reservation.reset();
  }
  if (gone("cpu")) {
    l.cpus.reset();
    l.cpu_weight.reset();
  }
  if (gone("cpuset")) l.cpuset_cpus.clear();
  if (gone("pids")) l.pids_limit.reset();
  if (gone("io")) l.io_weight.reset();
  return missing;
}

void merge_limits(Limits& into, const Limits& update) {
  auto take = [](auto& to, const auto& from) {
    if (from) to = from;
  };
  take(into.memory, update.memory);
  take(into.memory_swap, update.memory_swap);
  take(into.memory_reservation, update.memory_reservation);
  take(into.cpus, update.cpus);
  take(into.cpu_weight, update.cpu_weight);
  if (!update.cpuset_cpus.empty()) into.cpuset_cpus = update.cpuset_cpus;
  take(into.pids_limit, update.pids_limit);
  take(into.io_weight, update.io_weight);
}

}  // namespace sbx::cgroup
