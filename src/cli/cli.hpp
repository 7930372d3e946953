// The command line: each file registers one group of docker-style commands.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/cgroup/limits.hpp"

namespace sbx::cli {

// docker's exit code when the command itself failed (not the container).
constexpr int kExitCommandFailed = 125;

// Options every command sees (`sandbox --root DIR pull ...`).
struct GlobalOptions {
  std::string root;  // empty: $XDG_DATA_HOME/sandbox
  std::string storage_driver;
};

// The command's outcome: an exit code, or an error the CLI prints as one line.
using CommandResult = Result<int>;
using CommandFn = std::function<CommandResult()>;

// Hands each subcommand's action to main, which runs it after parsing.
class Registry {
 public:
  Registry(CLI::App& app, GlobalOptions& globals) : app_(app), globals_(globals) {}
  CLI::App& app() { return app_; }
  GlobalOptions& globals() { return globals_; }
  // Adds `path` ("pull", or "system df" under a group made on first use);
  // `action` runs when it was the one chosen.
  CLI::App* add(const std::string& path, const std::string& summary, CommandFn action);
  CommandFn* chosen();
  // True when `words` (the command and, for a group, its subcommand) name a command
  // registered so far.
  bool has(const std::vector<std::string_view>& words) const;

 private:
  CLI::App& app_;
  GlobalOptions& globals_;
  std::vector<std::pair<CLI::App*, CommandFn>> actions_;
};

// --memory, --cpus, ... (`run` and `update`); `for_run` adds --cgroup-manager and --limits.
void add_limit_flags(CLI::App* sub, cgroup::LimitFlags& flags, bool for_run);

// `sandbox version` and `--version`: version, commit, build type, and which
// optional libraries load here.
std::string version_text();

// One per command group (files cmd_*.cpp).
void register_system_commands(Registry& registry);  // version, info, system check
void register_image_commands(Registry& registry);   // pull, images, rmi, tag, inspect, import,
                                                    // image prune, system df, system reset
void register_push_commands(Registry& registry);    // push (cmd_push.cpp; with the image group)
void register_login_commands(Registry& registry);   // login, logout
// sandbox-runtime (runtime_cli.cpp): main() runs it when called by that name.
int run_runtime_cli(int argc, char** argv);

extern const char kBuildCommit[];  // build_info.cpp, made by cmake/build_info.cmake

void register_run_commands(Registry& registry);        // run
void register_unshare_commands(Registry& registry);    // unshare
void register_exec_commands(Registry& registry);       // exec
void register_cgroup_commands(Registry& registry);     // update, stats
void register_container_commands(Registry& registry);  // ps, logs, stop, kill, start, restart,
                                                       // wait, rm, top, rename, container prune
// `inspect`: the document of containers when every name is one (else nullopt).
std::optional<std::string> inspect_containers(const GlobalOptions& globals,
                                              const std::vector<std::string>& names);

void register_archive_commands(Registry& registry);  // commit, save, load, export
void register_network_commands(Registry& registry);  // port
void register_volume_commands(Registry& registry);   // volume create, ls, inspect, rm, prune
void register_build_commands(Registry& registry);    // build
void register_cp_commands(Registry& registry);       // cp, diff (cmd_cp.cpp)
void register_events_commands(Registry& registry);   // events, system prune

}  // namespace sbx::cli
