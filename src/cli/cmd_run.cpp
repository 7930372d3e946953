// `sandbox run`.
#include "cli.hpp"

namespace sbx::cli {

void register_run_commands(Registry& /*registry*/) {}

}  // namespace sbx::cli
