// `sandbox login, logout`.
#include "cli.hpp"

namespace sbx::cli {

void register_login_commands(Registry& /*registry*/) {}

}  // namespace sbx::cli
