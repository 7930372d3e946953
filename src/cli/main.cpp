// sandbox: parse, call one module function, print. Errors reach the user as
// one line (plus a hint); exit codes follow docker: 125 when sandbox failed.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "command_lookup.hpp"
#include "command_walk.hpp"
#include "introspect.hpp"
#include "sandbox/base/lazy_library.hpp"

namespace sbx::cli {

namespace {

constexpr int kLibraryMissing = 127;  // the dynamic loader's status

void print_error(const Error& error) {
  std::fprintf(stderr, "sandbox: %s\n", error.message().c_str());
  if (!error.hint().empty()) std::fprintf(stderr, "hint: %s\n", error.hint().c_str());
}

// The command's words: the first two arguments that are neither options nor
// a global option's value (a group and its command, `system check`).
std::vector<std::string_view> command_words(int argc, char** argv) {
  std::vector<std::string_view> words;
  for (int i = 1; i < argc && words.size() < 2; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--root" || arg == "--storage-driver") {
      ++i;
      continue;
    }
    if (!arg.starts_with('-')) words.push_back(arg);
  }
  return words;
}

bool asks_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "-h" || std::string_view(argv[i]) == "--help") return true;
  return false;
}

// Command groups, the most used first. CLI11 builds every option as it is
// added, ~1 ms for all groups at every start: a command registers the groups
// up to its own only (all of them for help, or words none of them has). A
// group's commands may come from several of these (`system df` with the image
// commands, `system check` with the system ones), so the whole path counts:
// registration stops only once the words name a command, never at a group.
//
// Adding commands: write register_<name>_commands(Registry&) in cmd_<name>.cpp,
// declare it in cli.hpp and append it here. Paths may share a group with other
// files ("volume ls", "image save"); nothing else is needed: every path is
// found, unknown words are reported (check_command_path), and
// tests/integration/cli_paths_test.cpp walks the help to prove it.
using RegisterGroup = void (*)(Registry&);
constexpr RegisterGroup kGroups[] = {
    register_run_commands,     register_exec_commands,    register_container_commands,
    register_image_commands,   register_system_commands,  register_login_commands,
    register_unshare_commands, register_network_commands, register_archive_commands,
    register_cgroup_commands,  register_volume_commands,  register_build_commands,
    register_cp_commands,      register_events_commands};

// A lazily loaded library or symbol is missing: a broken installation, said
// as the dynamic loader would say it at start-up. _exit: it may be met on any
// thread, in the middle of a call.
[[noreturn]] void exit_missing_library(const std::string& what) {
  std::fprintf(stderr, "sandbox: %s\n", what.c_str());
  std::fflush(stderr);
  ::_exit(kLibraryMissing);
}

// `sandbox help [COMMAND...]` is `sandbox [COMMAND...] --help`, as docker has it.
std::vector<char*> help_as_flag(int argc, char** argv) {
  static char help_flag[] = "--help";
  std::vector<char*> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--root" || arg == "--storage-driver") {
      ++i;  // its value
      continue;
    }
    if (arg.starts_with('-')) continue;
    if (arg == "help") {
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      args.push_back(help_flag);
    }
    break;  // only the first word
  }
  return args;
}

int run_main(int argc, char** argv) {
  std::vector<char*> args = help_as_flag(argc, argv);
  argc = static_cast<int>(args.size());
  argv = args.data();
  CLI::App app{"sandbox: rootless containers without a daemon", "sandbox"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    std::string text = version_text();
    text.pop_back();  // CLI11 adds the last newline
    return text;
  });
  GlobalOptions globals;
  app.add_option("--root", globals.root, "store directory (default $XDG_DATA_HOME/sandbox)");
  app.add_option("--storage-driver", globals.storage_driver, "overlay, fuse-overlayfs or vfs");

  Registry registry(app, globals);
  std::vector<std::string_view> words = command_words(argc, argv);
  bool help = asks_help(argc, argv);  // help lists every group's commands
  for (RegisterGroup group : kGroups) {
    group(registry);
    if (!help && registry.has(words)) break;
  }
  // __dump-cli and __complete, for the man pages and the shell completions.
  if (std::optional<int> code = run_tool_command(app, argc, argv)) return *code;
  // `sandbox bogus`: CLI11 would say "A subcommand is required".
  if (Status known = check_command_path(app, words, help); !known) {
    print_error(known.error());
    return kExitCommandFailed;
  }

  try {
    std::vector<std::string> given(argv + 1, argv + argc);
    std::vector<std::string> reversed = split_empty_option_values(app, given);
    std::reverse(reversed.begin(), reversed.end());  // as CLI11 reads a vector
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitCommandFailed;
  }
  CommandFn* action = registry.chosen();
  if (!action) return kExitCommandFailed;
  CommandResult result = (*action)();
  if (!result) {
    print_error(result.error());
    return kExitCommandFailed;
  }
  return *result;
}

}  // namespace
}  // namespace sbx::cli

int main(int argc, char** argv) {
  // A helper that exits early must not kill us through a closed pipe.
  ::signal(SIGPIPE, SIG_IGN);
  sbx::set_missing_library_handler(sbx::cli::exit_missing_library);
  // Engines run sandbox-runtime by path: a link to this binary.
  std::string_view name = argv[0];
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  if (name == "sandbox-runtime") return sbx::cli::run_runtime_cli(argc, argv);
  return sbx::cli::run_main(argc, argv);
}
