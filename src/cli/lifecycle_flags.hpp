// The flags of restart policies and health checks, shared by `run` and
// `create` (cmd_lifecycle.cpp), and the commands that go with them:
// `healthcheck run` and `generate systemd`.
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"
#include "sandbox/containers/run_flags.hpp"

namespace sbx::cli {

// --restart, --health-cmd, --health-interval, --health-retries,
// --health-start-period, --health-timeout, --no-healthcheck.
void add_lifecycle_flags(CLI::App* sub, containers::RunFlags& flags);

// `healthcheck run`, `generate systemd`.
void register_lifecycle_commands(Registry& registry);

// This process's command line split as `run` was given: the words between
// `run` (or `create`) and IMAGE, and IMAGE [COMMAND...] (`image_args`
// words, the last ones). Empty when /proc/self/cmdline cannot be read.
struct CommandLine {
  std::vector<std::string> flags, image_args;
};
CommandLine own_command_line(size_t image_args);

}  // namespace sbx::cli
