// `sandbox pull, images, rmi, tag, inspect, import, image prune, system df, system reset`.
#include "cli.hpp"

namespace sbx::cli {

void register_image_commands(Registry& /*registry*/) {}

}  // namespace sbx::cli
