// `sandbox system ...` and `sandbox info`.
#include <cstdio>

#include "cli.hpp"

namespace sbx::cli {

void register_system_commands(Registry& registry) {
  registry.add("version", "Show the sandbox version", [] -> CommandResult {
    std::printf("sandbox %s\n", SANDBOX_VERSION);
    return 0;
  });
}

}  // namespace sbx::cli
