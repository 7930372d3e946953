// `sandbox version`, `sandbox info` and `sandbox system check` (the host, and
// the store: what is damaged or left over, and --repair).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "go_template.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/containers/maintenance.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/launch/host_report.hpp"
#include "sandbox/rootfs/unpack.hpp"
#include "sandbox/userns/subid.hpp"

namespace sbx::cli {

std::string version_text() {
  std::string text = std::string("sandbox ") + SANDBOX_VERSION + "\ncommit: " + kBuildCommit +
                     "\nbuild type: " + SANDBOX_BUILD_TYPE + "\noptional libraries:\n";
  for (const OptionalLibrary& library : {rootfs::isal_library(), userns::libsubid_library()}) {
    std::string soname = library.soname.empty() ? "-" : library.soname;
    const char* state =
        library.loaded ? "found" : (library.soname.empty() ? "not built in" : "not found");
    char line[128];
    std::snprintf(line, sizeof line, "  %-9s %-14s %s\n", library.name.c_str(), soname.c_str(),
                  state);
    text += line;
  }
  return text;
}

// `version --format json`: docker's {"Client": {...}} shape.
nlohmann::json version_json() {
  nlohmann::json libraries = nlohmann::json::array();
  for (const OptionalLibrary& library : {rootfs::isal_library(), userns::libsubid_library()})
    libraries.push_back(
        {{"Name", library.name}, {"Soname", library.soname}, {"Loaded", library.loaded}});
  return {{"Client",
           {{"Version", SANDBOX_VERSION},
            {"GitCommit", std::string(kBuildCommit)},
            {"BuildType", SANDBOX_BUILD_TYPE},
            {"Os", "linux"},
            {"OptionalLibraries", libraries}}}};
}

namespace {

// A --format check: one of `words` or a Go template (CLI11 says which words otherwise).
CLI::Validator template_or(std::vector<std::string> words) {
  return CLI::Validator(
      [words](std::string& value) -> std::string {
        if (is_go_template(value) || std::find(words.begin(), words.end(), value) != words.end())
          return "";
        return "not table, json or a Go template: " + value;
      },
      "table|json|TEMPLATE");
}

Result<std::filesystem::path> store_root(const GlobalOptions& globals) {
  if (!globals.root.empty()) return std::filesystem::path(globals.root);
  return default_store_root();
}

nlohmann::json checks_to_json(const launch::HostReport& report) {
  auto out = nlohmann::json::array();
  for (const auto& check : report.checks)
    out.push_back({{"name", check.name},
                   {"ok", check.ok},
                   {"optional", check.optional},
                   {"detail", check.detail},
                   {"fix", check.fix}});
  return out;
}

void print_checks(const launch::HostReport& report) {
  for (const auto& check : report.checks) {
    const char* mark = check.ok ? "ok  " : (check.optional ? "warn" : "FAIL");
    std::printf("%s  %-36s %s\n", mark, check.name.c_str(), check.detail.c_str());
    if (!check.fix.empty()) std::printf("      %-36s fix: %s\n", "", check.fix.c_str());
  }
}

struct StoreCheckFlags {
  bool repair = false;
  bool full = false;
};

// The store's check (and repair): progress lines go to stderr, so that the
// table or the JSON on stdout stays whole.
Result<store::StoreCheck> check_store(const std::filesystem::path& root,
                                      const StoreCheckFlags& flags, const std::string& format) {
  auto store = SBX_TRY(store::Store::open(root));
  auto progress = [&format](const std::string& line) {
    if (format != "json") std::fprintf(stderr, "%s\n", line.c_str());
  };
  store::StoreCheck checked = SBX_TRY(containers::check_store(store, flags.full, progress));
  if (flags.repair) SBX_TRY_CTX(containers::repair_store(store, checked), "repair the store");
  return checked;
}

nlohmann::json store_check_to_json(const store::StoreCheck& checked, bool repaired) {
  auto findings = nlohmann::json::array();
  for (const auto& finding : checked.findings)
    findings.push_back({{"damaged", finding.damaged},
                        {"subject", finding.subject},
                        {"problem", finding.problem},
                        {"images", finding.images}});
  return {{"images", checked.image_count},
          {"layers", checked.layer_count},
          {"damaged", checked.damaged()},
          {"repaired", repaired && !checked.findings.empty()},
          {"findings", findings}};
}

void print_store_check(const std::filesystem::path& root, const store::StoreCheck& checked,
                       bool repaired) {
  std::printf("store %s: %zu image(s), %zu layer(s)\n", root.c_str(), checked.image_count,
              checked.layer_count);
  for (const auto& finding : checked.findings) {
    std::printf("%s  %-36s %s\n", finding.damaged ? "FAIL" : "warn", finding.subject.c_str(),
                finding.problem.c_str());
    for (const std::string& image : finding.images)
      std::printf("      %-36s breaks %s\n", "", image.c_str());
    if (repaired) continue;
    std::string fix = finding.damaged
                          ? "sandbox system check --repair, then pull the image(s) again"
                          : "sandbox system check --repair (or sandbox image prune)";
    std::printf("      %-36s fix: %s\n", "", fix.c_str());
  }
  if (repaired && !checked.findings.empty()) {
    std::printf("Repaired: what is listed above was removed.");
    std::printf("%s\n", checked.damaged() ? " Pull the images it broke again." : "");
  } else {
    std::printf("%s\n", checked.damaged() ? "The store is damaged: see FAIL above."
                                          : "The store is sound.");
  }
}

}  // namespace

void register_system_commands(Registry& registry) {
  auto version_format = std::make_shared<std::string>();
  CLI::App* version =
      registry.add("version", "Show the version, commit, build type and optional libraries",
                   [version_format] -> CommandResult {
                     const std::string& f = *version_format;
                     if (f == "json")
                       std::printf("%s\n", version_json().dump().c_str());
                     else if (is_go_template(f))
                       std::printf("%s\n", SBX_TRY(render_template(f, version_json())).c_str());
                     else if (f.empty())
                       std::fputs(version_text().c_str(), stdout);
                     else
                       return fail(unknown_format(f));
                     return 0;
                   });
  version->add_option("-f,--format", *version_format,
                      "json, or a Go template ('{{.Client.Version}}')");

  auto format = std::make_shared<std::string>("table");
  auto store_flags = std::make_shared<StoreCheckFlags>();
  auto check = [&globals = registry.globals(), format, store_flags](bool store) -> CommandResult {
    auto root = SBX_TRY(store_root(globals));
    launch::HostReport report = launch::check_host(root);
    std::optional<store::StoreCheck> checked;
    if (store && path_exists(root)) checked = SBX_TRY(check_store(root, *store_flags, *format));
    if (*format == "json" || is_go_template(*format)) {
      auto runtime_dir = runtime_root();
      nlohmann::json out = {{"version", SANDBOX_VERSION},
                            {"store", root.native()},
                            {"runtime_dir", runtime_dir ? runtime_dir->native() : ""},
                            {"ready", report.ready()},
                            {"checks", checks_to_json(report)}};
      if (checked) out["store_check"] = store_check_to_json(*checked, store_flags->repair);
      if (*format == "json")
        std::printf("%s\n", out.dump(2).c_str());
      else
        std::printf("%s\n", SBX_TRY(render_template(*format, out)).c_str());
    } else {
      std::printf("sandbox %s, store %s\n", SANDBOX_VERSION, root.c_str());
      print_checks(report);
      std::printf("%s\n", report.ready() ? "This host can run rootless containers."
                                         : "This host cannot run rootless containers yet: "
                                           "apply the fixes marked FAIL.");
      if (checked) print_store_check(root, *checked, store_flags->repair);
    }
    bool store_damaged = checked && checked->damaged() && !store_flags->repair;
    return report.ready() && !store_damaged ? 0 : 1;
  };
  CLI::App* system_check =
      registry.add("system check", "Check this host and the store (--repair fixes the store)",
                   [check] { return check(true); });
  system_check->add_option("--format", *format, "table, json or a Go template ('{{.ready}}')")
      ->check(template_or({"table", "json"}));
  system_check->add_flag("--repair", store_flags->repair,
                         "remove what is damaged or left over, so that the next pull restores it");
  system_check->add_flag("--full", store_flags->full,
                         "also verify every blob's digest and every layer's files (slow)");
  CLI::App* info = registry.add("info", "Check what this host offers rootless containers",
                                [check] { return check(false); });
  info->add_option("--format", *format, "table, json or a Go template ('{{.runtime_dir}}')")
      ->check(template_or({"table", "json"}));
}

}  // namespace sbx::cli
