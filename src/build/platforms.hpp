// --platform and FROM --platform: which image a FROM takes, the predefined
// platform ARGs, and RUN refused where it would need emulation.
#pragma once

#include <map>
#include <string>

#include "build_state.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::build {

// BuildKit's predefined ARGs (TARGETPLATFORM, TARGETOS, TARGETARCH,
// TARGETVARIANT and the BUILD* ones for this host) for `target`.
void add_platform_args(std::map<std::string, std::string>& args, const image::Platform& target);

// The platform a stage's FROM asks for: its --platform (ARGs expanded), else
// the build's.
Result<image::Platform> stage_platform(const Build& build, const images::Stage& stage);

// RUN executes the image's binaries here: refused, saying why, when the
// image is for another platform (sandbox does not emulate).
Status check_runs_here(const image::ImageConfig& config);

}  // namespace sbx::build
