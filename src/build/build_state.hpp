// What a build carries from step to step (private to the build module).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/base/unique_fd.hpp"
#include "sandbox/build/build.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/build_context.hpp"
#include "sandbox/images/dockerfile.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::build {

// The whole build: options, the parsed file, the context and what each stage made.
struct Build {
  const store::Store& store;
  const BuildOptions& options;
  BuildOutput& output;
  images::Dockerfile file;
  images::IgnoreRules ignore;
  UniqueFd context;                                // O_PATH of the context directory
  bool has_context = true;                         // false: the Dockerfile came on stdin, alone
  std::map<std::string, std::string> global_args;  // ARG before FROM, with --build-arg
  std::map<size_t, image::Digest> stage_images;    // finished stages
  image::Platform target_platform;                 // --platform, else the host's
  int step = 0;
  int total = 0;
};

// The image a --from= (COPY, RUN --mount) names: a stage built before, else
// an image (pulled if missing).
Result<store::ImageRecord> image_for_from(const Build& build, const std::string& name);

// Fails when the build has no context (a Dockerfile on stdin): `what` needs one.
Status require_context(const Build& build, const std::string& what);

// One stage as it goes: the image so far and the variables in scope.
struct StageState {
  store::ImageRecord image;
  image::ImageConfig config;
  std::map<std::string, std::string> args;  // ARGs declared in this stage, with values
  std::vector<std::string> shell{"/bin/sh", "-c"};
};

// A step either failed in its command (status), or made `id`.
struct StepResult {
  image::Digest id;
  bool cached = false;
  int failed_status = 0;
  std::string failure;
};

// Variables for expansion: the stage's ARGs, then ENV over them.
std::map<std::string, std::string> stage_variables(const StageState& state);

// Moves `state` to the image `id` (reads its record and config).
Status enter_image(const Build& build, StageState& state, const image::Digest& id);

// Config-only instructions (ENV, LABEL, CMD, ...), ARG and the MAINTAINER
// form: a new image with the same layers, or nothing for ARG.
Result<StepResult> run_config_step(Build& build, StageState& state, const images::Instruction& ins);
// RUN: a container from the current image, committed.
Result<StepResult> run_run_step(Build& build, StageState& state, const images::Instruction& ins);
// COPY and ADD: a layer from the context (or another stage's files).
Result<StepResult> run_copy_step(Build& build, StageState& state, const images::Instruction& ins);

// The cache around a step: a hit returns the cached image; a miss runs
// `make` and records what it made.
template <class Make>
Result<StepResult> cached_step(const Build& build, const StageState& state,
                               const std::string& instruction, const std::string& content,
                               Make&& make) {
  std::string key = images::build_cache_key(state.image.id, instruction, content);
  if (!build.options.no_cache) {
    auto hit = SBX_TRY(images::find_cached_step(build.store, key));
    if (hit) return StepResult{*hit, true, 0, {}};
  }
  StepResult made = SBX_TRY(make());
  if (made.failed_status == 0) SBX_TRY(images::record_cached_step(build.store, key, made.id));
  return made;
}

}  // namespace sbx::build
