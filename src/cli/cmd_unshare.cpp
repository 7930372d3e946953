// `sandbox unshare`.
#include "cli.hpp"

namespace sbx::cli {

void register_unshare_commands(Registry& /*registry*/) {}

}  // namespace sbx::cli
