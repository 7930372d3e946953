// Health checks: the configuration (image HEALTHCHECK, --health-* flags),
// docker's rules for one probe's result, and health.json in the runtime dir
// (a new run starts "starting" again, as docker's).
#include "sandbox/containers/health.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sandbox/base/files.hpp"
#include "sandbox/containers/lifecycle.hpp"

namespace sbx::containers {
namespace {

using nlohmann::json;

constexpr const char* kHealthFile = "health.json";

Error bad_flag(const char* flag, std::string_view value, const std::string& why) {
  return Error("invalid " + std::string(flag) + " '" + std::string(value) + "': " + why, EINVAL);
}

// --health-cmd: podman's JSON array (["CMD", "ARG"...] or ["CMD-SHELL", "..."],
// or a bare argv), else docker's shell command.
Result<std::vector<std::string>> parse_health_cmd(const std::string& text) {
  if (text.empty()) return fail(bad_flag("--health-cmd", text, "the command is empty"));
  if (text.front() != '[') return std::vector<std::string>{"CMD-SHELL", text};
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty() ||
      !std::ranges::all_of(j, [](const json& e) { return e.is_string(); }))
    return fail(bad_flag("--health-cmd", text, "not a JSON array of strings")
                    .with_hint("e.g. --health-cmd '[\"CMD\", \"curl\", \"-f\", \"localhost\"]'"));
  auto argv = j.get<std::vector<std::string>>();
  if (argv[0] != "CMD" && argv[0] != "CMD-SHELL" && argv[0] != "NONE")
    argv.insert(argv.begin(), "CMD");
  if (argv[0] != "NONE" && argv.size() < 2)
    return fail(bad_flag("--health-cmd", text, argv[0] + " without a command"));
  return argv;
}

Result<int64_t> duration_flag(const char* flag, const std::string& text, int64_t fallback,
                              bool zero_ok) {
  if (text.empty()) return fallback;
  int64_t ns = SBX_TRY_CTX(parse_duration_ns(text), flag);
  if (ns < 0 || (!zero_ok && ns == 0) || (ns > 0 && ns < 1'000'000))
    return fail(
        bad_flag(flag, text, zero_ok ? "must be 0 or at least 1ms" : "must be at least 1ms"));
  return ns;
}

}  // namespace

bool has_healthcheck(const HealthConfig& config) {
  return !config.test.empty() && config.test[0] != "NONE";
}

int64_t health_interval_ns(const HealthConfig& c) {
  return c.interval_ns > 0 ? c.interval_ns : kDefaultHealthIntervalNs;
}
int64_t health_timeout_ns(const HealthConfig& c) {
  return c.timeout_ns > 0 ? c.timeout_ns : kDefaultHealthTimeoutNs;
}
int health_retries(const HealthConfig& c) {
  return c.retries > 0 ? c.retries : kDefaultHealthRetries;
}

std::vector<std::string> health_command(const HealthConfig& config) {
  if (!has_healthcheck(config) || config.test.size() < 2) return {};
  if (config.test[0] == "CMD-SHELL") return {"/bin/sh", "-c", config.test[1]};
  return {config.test.begin() + 1, config.test.end()};
}

Result<int64_t> parse_duration_ns(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  auto invalid = [&] {
    return fail(Error("invalid duration '" + std::string(text) + "'", EINVAL)
                    .with_hint("use a number with a unit: 500ms, 30s, 1m30s, 2h"));
  };
  if (text == "0") return int64_t{0};
  if (text.empty()) return invalid();
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = rest.find_first_not_of("0123456789.");
    if (digits == 0 || digits == std::string_view::npos) return invalid();
    double value = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, value);
    if (ec != std::errc() || end != rest.data() + digits) return invalid();
    rest.remove_prefix(digits);
    size_t unit_len = rest.find_first_of("0123456789.");
    std::string_view unit = rest.substr(0, unit_len);
    auto found = std::ranges::find_if(kUnits, [&](const auto& u) { return u.first == unit; });
    if (found == std::end(kUnits)) return invalid();
    total += value * found->second;
    rest.remove_prefix(unit.size());
  }
  if (!std::isfinite(total) || total > 9.2e18) return invalid();
  return static_cast<int64_t>(total);
}

HealthConfig image_health_config(std::string_view config_json) {
  HealthConfig config;
  json j = json::parse(config_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return config;
  auto cc = j.find("config");
  if (cc == j.end() || !cc->is_object()) return config;
  auto hc = cc->find("Healthcheck");
  if (hc == cc->end() || !hc->is_object()) return config;
  auto number = [&](const char* key) -> int64_t {
    auto it = hc->find(key);
    return it != hc->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  if (auto test = hc->find("Test"); test != hc->end() && test->is_array())
    for (const json& word : *test)
      if (word.is_string()) config.test.push_back(word.get<std::string>());
  config.interval_ns = number("Interval");
  config.timeout_ns = number("Timeout");
  config.start_period_ns = number("StartPeriod");
  config.retries = static_cast<int>(std::clamp<int64_t>(number("Retries"), 0, 1'000'000));
  return config;
}

Result<HealthConfig> make_health_config(const HealthConfig& image, const HealthFlags& flags) {
  bool any = flags.cmd || !flags.interval.empty() || !flags.timeout.empty() ||
             !flags.start_period.empty() || flags.retries;
  if (flags.none) {
    if (any)
      return fail(Error("--no-healthcheck conflicts with the --health-* options", EINVAL)
                      .with_hint("give either --no-healthcheck or the --health-* options"));
    return HealthConfig{{"NONE"}};
  }
  HealthConfig config = image;
  if (flags.cmd) config.test = SBX_TRY(parse_health_cmd(*flags.cmd));
  config.interval_ns =
      SBX_TRY(duration_flag("--health-interval", flags.interval, config.interval_ns, false));
  config.timeout_ns =
      SBX_TRY(duration_flag("--health-timeout", flags.timeout, config.timeout_ns, false));
  config.start_period_ns = SBX_TRY(
      duration_flag("--health-start-period", flags.start_period, config.start_period_ns, true));
  if (flags.retries) {
    if (*flags.retries < 1)
      return fail(
          bad_flag("--health-retries", std::to_string(*flags.retries), "must be 1 or more"));
    config.retries = *flags.retries;
  }
  if (any && !flags.cmd && !has_healthcheck(config))
    return fail(Error("--health-* options need a health check", EINVAL)
                    .with_hint("give --health-cmd (the image has no HEALTHCHECK)"));
  return config;
}

void record_probe(HealthState& state, const HealthConfig& config, HealthProbe probe,
                  bool in_start_period) {
  if (probe.output.size() > kHealthOutputMax) probe.output.resize(kHealthOutputMax);
  bool ok = probe.exit_code == 0;
  state.log.push_back(std::move(probe));
  if (state.log.size() > kHealthLogMax)
    state.log.erase(state.log.begin(), state.log.end() - kHealthLogMax);
  if (ok) {
    state.status = "healthy";
    state.failing_streak = 0;
    return;
  }
  if (in_start_period && state.status == "starting") return;  // not counted yet
  if (++state.failing_streak >= health_retries(config)) state.status = "unhealthy";
}

std::string health_state_to_json(const HealthState& state) {
  json log = json::array();
  for (const auto& p : state.log)
    log.push_back(
        {{"start", p.start}, {"end", p.end}, {"exit_code", p.exit_code}, {"output", p.output}});
  return json{{"status", state.status}, {"failing_streak", state.failing_streak}, {"log", log}}
             .dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

Result<HealthState> health_state_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("health.json: not a JSON object");
  HealthState state;
  try {
    state.status = j.value("status", std::string("starting"));
    state.failing_streak = j.value("failing_streak", 0);
    if (auto log = j.find("log"); log != j.end() && log->is_array())
      for (const json& p : *log)
        state.log.push_back({p.value("start", ""), p.value("end", ""), p.value("exit_code", 0),
                             p.value("output", "")});
  } catch (const json::exception& e) {
    return fail(std::string("health.json: ") + e.what());
  }
  return state;
}

std::optional<HealthState> read_health_state(const std::filesystem::path& runtime_dir) {
  auto text = read_file(runtime_dir / kHealthFile);
  if (!text) return std::nullopt;
  auto state = health_state_from_json(*text);
  return state ? std::optional<HealthState>(std::move(*state)) : std::nullopt;
}

Status write_health_state(const std::filesystem::path& runtime_dir, const HealthState& state) {
  return write_file_atomic(runtime_dir / kHealthFile, health_state_to_json(state), 0600,
                           Durability::kVolatile);
}

// docker's: the monitor's end makes it "unhealthy"; the streak and the log stay.
Status keep_final_health_state(const std::filesystem::path& runtime_dir,
                               const std::filesystem::path& store_dir) {
  HealthState state = read_health_state(runtime_dir).value_or(HealthState{});
  state.status = "unhealthy";
  return write_health_state(store_dir, state);
}

}  // namespace sbx::containers
