// `sandbox unshare [--userns=keep-id] [CMD...]`: as `podman unshare`, runs a
// command (the user's shell by default) as root of a user namespace with the
// same id maps containers get, so files owned by subordinate ids can be
// managed.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli.hpp"
#include "command_lookup.hpp"
#include "sandbox/base/process.hpp"
#include "sandbox/userns/id_map.hpp"
#include "sandbox/userns/run_in_userns.hpp"

namespace sbx::cli {
namespace {

struct UnshareOptions {
  std::string userns;
  CLI::App* app = nullptr;
};

CommandResult run_unshare(const UnshareOptions& options) {
  std::vector<std::string> argv = options.app->remaining();
  SBX_TRY(check_no_unknown_flag(argv, "unshare"));
  if (argv.empty()) {
    const char* shell = std::getenv("SHELL");
    argv.push_back(shell && *shell ? shell : "/bin/sh");
  }
  auto mode = options.userns == "keep-id" ? userns::Mode::kKeepId : userns::Mode::kDefault;
  std::vector<std::string> warnings;
  userns::IdMaps maps = SBX_TRY(userns::id_maps_for_current_user(mode, warnings));
  for (const auto& warning : warnings)
    std::fprintf(stderr, "sandbox: warning: %s\n", warning.c_str());
  userns::ExecOutcome outcome = SBX_TRY(userns::exec_in_user_namespace(maps, argv));
  if (outcome.cannot_run) {
    // The command itself could not run: docker's 127 / 126, not 125.
    std::fprintf(stderr, "sandbox: %s\n", outcome.cannot_run->message().c_str());
    return outcome.cannot_run->errno_value() == ENOENT ? 127 : 126;
  }
  return exit_code_of(outcome.wait_status);
}

}  // namespace

void register_unshare_commands(Registry& registry) {
  auto options = std::make_shared<UnshareOptions>();
  CLI::App* sub = registry.add("unshare", "Run a command in the user namespace of containers",
                               [options] { return run_unshare(*options); });
  sub->add_option("--userns", options->userns, "keep-id: keep your uid and gid inside")
      ->check(CLI::IsMember({"", "keep-id"}));
  sub->prefix_command();
  sub->footer(
      "Runs CMD [ARG...] (default $SHELL, else /bin/sh) as root of a user namespace with the "
      "id maps containers get; its exit status is passed through. With keep-id your uid and gid "
      "map to themselves (the command still runs as root inside).");
  options->app = sub;
}

}  // namespace sbx::cli
