// sandbox: parse, call one module function, print. Errors reach the user as
// one line (plus a hint); exit codes follow docker: 125 when sandbox failed.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "cli.hpp"

namespace sbx::cli {

CLI::App* Registry::add(const std::string& path, const std::string& summary, CommandFn action) {
  // "system df": find or make each parent group, then add the leaf.
  CLI::App* parent = &app_;
  std::string rest = path;
  for (size_t space; (space = rest.find(' ')) != std::string::npos; rest.erase(0, space + 1)) {
    std::string group = rest.substr(0, space);
    CLI::App* found = nullptr;
    for (CLI::App* sub : parent->get_subcommands({}))
      if (sub->get_name() == group) found = sub;
    if (!found) {
      found = parent->add_subcommand(group, "Manage " + group);
      found->require_subcommand(1);
    }
    parent = found;
  }
  CLI::App* sub = parent->add_subcommand(rest, summary);
  actions_.emplace_back(sub, std::move(action));
  return sub;
}

CommandFn* Registry::chosen() {
  for (auto& [sub, action] : actions_)
    if (sub->parsed()) return &action;
  return nullptr;
}

namespace {

constexpr int kSandboxFailed = 125;

void print_error(const Error& error) {
  std::fprintf(stderr, "sandbox: %s\n", error.message().c_str());
  if (!error.hint().empty()) std::fprintf(stderr, "hint: %s\n", error.hint().c_str());
}

int run_main(int argc, char** argv) {
  CLI::App app{"sandbox: rootless containers without a daemon", "sandbox"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sandbox ") + SANDBOX_VERSION);
  GlobalOptions globals;
  app.add_option("--root", globals.root, "store directory (default $XDG_DATA_HOME/sandbox)");
  app.add_option("--storage-driver", globals.storage_driver, "overlay, fuse-overlayfs or vfs");

  Registry registry(app, globals);
  register_system_commands(registry);
  register_image_commands(registry);
  register_login_commands(registry);
  register_run_commands(registry);
  register_unshare_commands(registry);
  register_network_commands(registry);
  register_exec_commands(registry);
  register_container_commands(registry);
  register_archive_commands(registry);
  register_cgroup_commands(registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kSandboxFailed;
  }
  CommandFn* action = registry.chosen();
  if (!action) return kSandboxFailed;
  CommandResult result = (*action)();
  if (!result) {
    print_error(result.error());
    return kSandboxFailed;
  }
  return *result;
}

}  // namespace
}  // namespace sbx::cli

int main(int argc, char** argv) {
  // A helper that exits early must not kill us through a closed pipe.
  ::signal(SIGPIPE, SIG_IGN);
  return sbx::cli::run_main(argc, argv);
}
