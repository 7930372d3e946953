// `sandbox version`, `sandbox info` and `sandbox system check`.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "sandbox/base/paths.hpp"
#include "sandbox/runtime/host_report.hpp"

namespace sbx::cli {

namespace {

Result<std::filesystem::path> store_root(const GlobalOptions& globals) {
  if (!globals.root.empty()) return std::filesystem::path(globals.root);
  return default_store_root();
}

nlohmann::json checks_to_json(const runtime::HostReport& report) {
  auto out = nlohmann::json::array();
  for (const auto& check : report.checks)
    out.push_back({{"name", check.name},
                   {"ok", check.ok},
                   {"optional", check.optional},
                   {"detail", check.detail},
                   {"fix", check.fix}});
  return out;
}

void print_checks(const runtime::HostReport& report) {
  for (const auto& check : report.checks) {
    const char* mark = check.ok ? "ok  " : (check.optional ? "warn" : "FAIL");
    std::printf("%s  %-36s %s\n", mark, check.name.c_str(), check.detail.c_str());
    if (!check.fix.empty()) std::printf("      %-36s fix: %s\n", "", check.fix.c_str());
  }
}

}  // namespace

void register_system_commands(Registry& registry) {
  registry.add("version", "Show the sandbox version", [] -> CommandResult {
    std::printf("sandbox %s\n", SANDBOX_VERSION);
    return 0;
  });

  auto format = std::make_shared<std::string>("table");
  auto check_host = [&globals = registry.globals(), format] -> CommandResult {
    auto root = SBX_TRY(store_root(globals));
    runtime::HostReport report = runtime::check_host(root);
    if (*format == "json") {
      auto runtime_dir = runtime_root();
      nlohmann::json out = {{"version", SANDBOX_VERSION},
                            {"store", root.native()},
                            {"runtime_dir", runtime_dir ? runtime_dir->native() : ""},
                            {"ready", report.ready()},
                            {"checks", checks_to_json(report)}};
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      std::printf("sandbox %s, store %s\n", SANDBOX_VERSION, root.c_str());
      print_checks(report);
      std::printf("%s\n", report.ready() ? "This host can run rootless containers."
                                         : "This host cannot run rootless containers yet: "
                                           "apply the fixes marked FAIL.");
    }
    return report.ready() ? 0 : 1;
  };
  for (const char* path : {"system check", "info"}) {
    CLI::App* sub =
        registry.add(path, "Check what this host offers rootless containers", check_host);
    sub->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  }
}

}  // namespace sbx::cli
