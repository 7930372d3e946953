// `sandbox build`: read the Dockerfile and the context, choose the stages the
// target needs, run each stage's steps through the cache, name the result.
#include <fcntl.h>

#include <algorithm>

#include "build_state.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/images/commit.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/store/lookup.hpp"

namespace sbx::build {

namespace fs = std::filesystem;

namespace {

// -f, or Containerfile (preferred, as podman) or Dockerfile in the context.
Result<std::string> read_dockerfile(const BuildOptions& options) {
  if (options.dockerfile_from_stdin) return options.dockerfile_text;
  if (!options.dockerfile.empty()) return read_file(options.dockerfile);
  for (const char* name : {"Containerfile", "Dockerfile"})
    if (path_exists(options.context / name)) return read_file(options.context / name);
  return fail(Error("no Containerfile or Dockerfile in " + options.context.string(), ENOENT)
                  .with_hint("name one with -f FILE"));
}

// .containerignore (preferred) or .dockerignore in the context.
Result<images::IgnoreRules> read_ignore(const fs::path& context) {
  for (const char* name : {".containerignore", ".dockerignore"})
    if (path_exists(context / name))
      return images::IgnoreRules::parse(SBX_TRY(read_file(context / name)));
  return images::IgnoreRules{};
}

// ARG before FROM: defaults (expanded with the ones before), --build-arg over them.
Status read_global_args(Build& build) {
  for (const images::Instruction& ins : build.file.global_args) {
    auto pairs = SBX_TRY_CTX(images::parse_key_values(ins.args, true, build.file.escape),
                             "line " + std::to_string(ins.line));
    for (auto& [key, value] : pairs) {
      auto given = build.options.build_args.find(key);
      if (given != build.options.build_args.end())
        build.global_args[key] = given->second;
      else if (ins.args.find('=') != std::string::npos)
        build.global_args[key] =
            SBX_TRY(images::expand_variables(value, build.global_args, build.file.escape));
    }
  }
  return {};
}

Result<store::ImageRecord> resolve_base(Build& build, const images::Stage& stage,
                                        const std::string& base) {
  if (auto other = images::find_stage(build.file, base); other && *other < size_t(stage.index))
    return build.store.image(build.stage_images.at(*other));
  if (base == "scratch") return images::scratch_image(build.store);
  if (!build.options.pull) {
    auto found = build.store.resolve(base);
    if (found || !store::is_not_found(found.error())) return found;
  }
  images::PullOptions pull;
  std::string platform = stage.platform.empty() ? build.options.platform : stage.platform;
  if (!platform.empty()) pull.platform = SBX_TRY(image::parse_platform(platform));
  auto pulled = SBX_TRY(images::pull_image(build.store, base, pull, build.output));
  return build.store.image(pulled.id);
}

Result<StepResult> run_step(Build& build, StageState& state, const images::Instruction& ins) {
  if (ins.keyword == "RUN") return run_run_step(build, state, ins);
  if (ins.keyword == "COPY" || ins.keyword == "ADD") return run_copy_step(build, state, ins);
  return run_config_step(build, state, ins);
}

// One stage, FROM to its last step. Returns the failure of a RUN, if any.
Result<StepResult> build_stage(Build& build, size_t index) {
  const images::Stage& stage = build.file.stages[index];
  std::string base =
      SBX_TRY(images::expand_variables(stage.base, build.global_args, build.file.escape));
  build.output.step(++build.step, build.total,
                    "FROM " + base + (stage.name.empty() ? "" : " AS " + stage.name));
  StageState state;
  store::ImageRecord image = SBX_TRY_CTX(resolve_base(build, stage, base),
                                         "line " + std::to_string(stage.line) + ": FROM " + base);
  SBX_TRY(enter_image(build, state, image.id));
  StepResult last{image.id, false, 0, {}};
  for (const images::Instruction& ins : stage.instructions) {
    build.output.step(++build.step, build.total, ins.original);
    last = SBX_TRY_CTX(run_step(build, state, ins),
                       "line " + std::to_string(ins.line) + ": " + ins.keyword);
    if (last.failed_status != 0) return last;
    if (last.id != state.image.id) SBX_TRY(enter_image(build, state, last.id));
    build.output.step_done(last.id, last.cached);
  }
  build.stage_images[index] = state.image.id;
  return StepResult{state.image.id, false, 0, {}};
}

Result<size_t> target_stage(const Build& build) {
  if (build.options.target.empty()) return build.file.stages.size() - 1;
  auto found = images::find_stage(build.file, build.options.target);
  if (!found)
    return fail(
        Error("target stage '" + build.options.target + "' not found in the Dockerfile", ENOENT));
  return *found;
}

// --label K=V on the final image, as one more config step.
Result<image::Digest> apply_labels(Build& build, const image::Digest& id) {
  if (build.options.labels.empty()) return id;
  StageState state;
  SBX_TRY(enter_image(build, state, id));
  images::Instruction ins;
  ins.keyword = "LABEL";
  for (const std::string& label : build.options.labels) {
    if (label.find('=') == std::string::npos)
      return fail(Error("--label " + label + ": not KEY=VALUE", EINVAL));
    ins.args += "\"" + label.substr(0, label.find('=')) + "\"=\"" +
                label.substr(label.find('=') + 1) + "\" ";
  }
  ins.original = "LABEL " + ins.args;
  StepResult done = SBX_TRY(run_config_step(build, state, ins));
  return done.id;
}

Result<BuildResult> build(const BuildOptions& options, BuildOutput& output) {
  std::vector<std::string> names;
  for (const std::string& tag : options.tags)
    names.push_back(SBX_TRY_CTX(store::canonical_tag(tag), "-t " + tag));
  std::string text = SBX_TRY_CTX(read_dockerfile(options), "read the Dockerfile");
  store::Store store = SBX_TRY(store::Store::open(options.store_root));
  Build build{store, options, output, {}, {}, {}, {}, {}, 0, 0};
  build.file = SBX_TRY_CTX(images::parse_dockerfile(text), "Dockerfile");
  build.ignore = SBX_TRY(read_ignore(options.context));
  build.context = SBX_TRY_CTX(open_file(options.context, O_PATH | O_DIRECTORY | O_CLOEXEC),
                              "the build context");
  SBX_TRY(read_global_args(build));
  size_t target = SBX_TRY(target_stage(build));
  std::vector<size_t> stages =
      SBX_TRY(images::stages_needed(build.file, target, build.global_args));
  for (size_t index : stages)
    build.total += 1 + static_cast<int>(build.file.stages[index].instructions.size());
  FileLock gc = SBX_TRY(store.lock_gc_shared());
  StepResult last;
  for (size_t index : stages) {
    last = SBX_TRY(build_stage(build, index));
    if (last.failed_status != 0) return BuildResult{{}, {}, last.failed_status, last.failure};
  }
  image::Digest id = SBX_TRY(apply_labels(build, last.id));
  for (const std::string& name : names) SBX_TRY(store.tag(id.str(), name));
  return BuildResult{id, names, 0, {}};
}

}  // namespace

Result<BuildResult> build_image(const BuildOptions& options, BuildOutput& output) {
  return with_context(build(options, output), "build");
}

}  // namespace sbx::build
