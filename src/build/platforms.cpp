// Platforms in a build: the target (--platform, else the host's) picks the
// FROM images out of an index; a RUN runs only an image this host can execute.
#include "platforms.hpp"

#include <algorithm>

namespace sbx::build {

void add_platform_args(std::map<std::string, std::string>& args, const image::Platform& target) {
  image::Platform host = image::host_platform();
  for (auto [prefix, platform] : {std::pair{"TARGET", target}, std::pair{"BUILD", host}}) {
    args[std::string(prefix) + "PLATFORM"] = platform.str();
    args[std::string(prefix) + "OS"] = platform.os;
    args[std::string(prefix) + "ARCH"] = platform.architecture;
    args[std::string(prefix) + "VARIANT"] = platform.variant;
  }
}

Result<image::Platform> stage_platform(const Build& build, const images::Stage& stage) {
  if (stage.platform.empty()) return build.target_platform;
  std::string text =
      SBX_TRY(images::expand_variables(stage.platform, build.global_args, build.file.escape));
  return SBX_TRY_CTX(image::parse_platform(text), "--platform=" + text);
}

Status check_runs_here(const image::ImageConfig& config) {
  image::Platform host = image::host_platform();
  if (image::serves_platform(config, host)) return {};
  return fail(Error("the image is for " + image::platform_of(config).str() +
                        " and this host runs " + host.str() +
                        ": sandbox build does not emulate other platforms",
                    ENOEXEC)
                  .with_hint("build on a " + image::platform_of(config).str() +
                             " host, or drop --platform for the RUN stages (FROM "
                             "--platform=$BUILDPLATFORM runs the host's tools)"));
}

}  // namespace sbx::build
