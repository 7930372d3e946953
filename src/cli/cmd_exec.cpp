// `sandbox exec [OPTIONS] CONTAINER COMMAND [ARG...]` with docker's flags.
// Options stop at CONTAINER: everything after it is the command.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "command_lookup.hpp"
#include "sandbox/launch/detach_keys.hpp"
#include "sandbox/launch/exec.hpp"

namespace sbx::cli {
namespace {

struct ExecCommand {
  launch::ExecFlags flags;
  std::string detach_keys{launch::kDefaultDetachKeys};
  CLI::App* app = nullptr;
};

CommandResult exec(ExecCommand& cmd, const GlobalOptions& globals) {
  std::vector<std::string> rest = cmd.app->remaining();
  SBX_TRY(check_no_unknown_flag(rest, "exec"));
  SBX_TRY(launch::parse_detach_keys(cmd.detach_keys));  // checked; see the flag's help
  if (rest.size() < 2)
    return fail(Error("\"sandbox exec\" requires at least 2 arguments")
                    .with_hint("sandbox exec [OPTIONS] CONTAINER COMMAND [ARG...]"));
  launch::ExecOptions options;
  options.store_root = globals.root;
  options.flags = cmd.flags;
  options.flags.container = rest[0];
  options.flags.command.assign(rest.begin() + 1, rest.end());
  auto outcome = SBX_TRY(launch::exec_in_container(options));
  if (outcome.error) std::fprintf(stderr, "sandbox: %s\n", outcome.error->message().c_str());
  return outcome.exit_code;
}

}  // namespace

void register_exec_commands(Registry& registry) {
  auto cmd = std::make_shared<ExecCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("exec", "Run a command in a running container",
                               [cmd, &globals] { return exec(*cmd, globals); });
  sub->set_help_flag("--help", "Print this help message and exit");
  auto& f = cmd->flags;
  sub->add_flag("-i,--interactive", f.interactive, "Keep STDIN open");
  sub->add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  sub->add_flag("-d,--detach", f.detach, "Run the command in the background");
  sub->add_option("--detach-keys", cmd->detach_keys,
                  "Checked, for docker's command lines: exec stays the command's parent, so it "
                  "cannot detach from it (use -d)");
  sub->add_option("-u,--user", f.user, "USER[:GROUP] (names or ids from the container)");
  sub->add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  sub->add_option("-e,--env", f.env, "Set an environment variable (KEY=VALUE, or KEY from here)");
  sub->add_option("--env-file", f.env_files, "Read environment variables from a file");
  sub->add_flag("--privileged", f.privileged, "All capabilities of the container, no seccomp");
  // One value per occurrence, so a repeated option never swallows CONTAINER.
  for (CLI::Option* option : sub->get_options()) option->allow_extra_args(false);
  sub->prefix_command();
  sub->footer(
      "Usage: sandbox exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
      "Exit status: the command's, 125 when sandbox fails (no such container, not running),\n"
      "126 when the command cannot be invoked, 127 when it is not found, 128+N when killed\n"
      "by signal N.");
  cmd->app = sub;
}

}  // namespace sbx::cli
