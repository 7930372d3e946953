// `sandbox build`: read the Dockerfile and the context, choose the stages the
// target needs, run each stage's steps through the cache, name the result.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "build_state.hpp"
#include "context_files.hpp"
#include "platforms.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/images/commit.hpp"
#include "sandbox/images/pull.hpp"
#include "sandbox/store/lookup.hpp"
#include "stdin_context.hpp"

namespace sbx::build {

namespace fs = std::filesystem;

namespace {

// -f, or Containerfile (preferred, as podman) or Dockerfile in the context.
// A context from stdin may come from anyone: its files are read confined to it.
Result<std::string> read_dockerfile(const BuildOptions& options, int context_fd) {
  if (options.dockerfile_from_stdin) return options.dockerfile_text;
  bool confined = options.context_from_stdin;
  if (!options.dockerfile.empty())
    return confined ? read_context_file(context_fd, options.dockerfile)
                    : read_file(options.dockerfile);
  for (const char* name : {"Containerfile", "Dockerfile"})
    if (path_exists(options.context / name))
      return confined ? read_context_file(context_fd, name) : read_file(options.context / name);
  return fail(Error("no Containerfile or Dockerfile in " + options.context.string(), ENOENT)
                  .with_hint("name one with -f FILE"));
}

// .containerignore (preferred) or .dockerignore in the context.
Result<images::IgnoreRules> read_ignore(const BuildOptions& options, int context_fd) {
  for (const char* name : {".containerignore", ".dockerignore"}) {
    if (!path_exists(options.context / name)) continue;
    std::string text = options.context_from_stdin ? SBX_TRY(read_context_file(context_fd, name))
                                                  : SBX_TRY(read_file(options.context / name));
    return images::IgnoreRules::parse(text);
  }
  return images::IgnoreRules{};
}

// `sandbox build -`: the context (or the Dockerfile) from stdin into `options`.
Result<std::optional<StdinContext>> take_stdin(const store::Store& store, BuildOptions& options,
                                               BuildOutput& output) {
  if (!options.context_from_stdin) return std::nullopt;
  if (options.dockerfile_from_stdin)
    return fail(Error("the context and the Dockerfile cannot both come from stdin", EINVAL)
                    .with_hint("give the context as a directory, or -f a file in it"));
  StdinContext in = SBX_TRY_CTX(read_stdin_context(STDIN_FILENO, store.root() / "tmp", output),
                                "read the context from stdin");
  options.context = in.context;
  if (!in.has_context) {
    if (!options.dockerfile.empty())
      return fail(Error("-f " + options.dockerfile.string() +
                            ": stdin held a Dockerfile, not a context archive",
                        EINVAL)
                      .with_hint("pipe a tar of the context to name a file in it with -f"));
    options.dockerfile_from_stdin = true;
    options.dockerfile_text = std::move(in.dockerfile_text);
  }
  return std::optional<StdinContext>(std::move(in));
}

// ARG before FROM: defaults (expanded with the ones before), --build-arg over them.
Status read_global_args(Build& build) {
  add_platform_args(build.global_args, build.target_platform);
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
  image::Platform platform = SBX_TRY(stage_platform(build, stage));
  if (base == "scratch") return images::scratch_image(build.store, platform);
  if (!build.options.pull) {
    // A stored image for another platform is pulled again for this one.
    auto found = build.store.resolve(base);
    if (found && image::serves_platform(SBX_TRY(build.store.image_config(found->id)), platform))
      return found;
    if (!found && !store::is_not_found(found.error())) return found;
  }
  images::PullOptions pull;
  pull.platform = platform;
  auto pulled = SBX_TRY(images::pull_image(build.store, base, pull, build.output));
  store::ImageRecord image = SBX_TRY(build.store.image(pulled.id));
  if (!image::serves_platform(SBX_TRY(build.store.image_config(image.id)), platform))
    return fail(Error(base + " has no image for " + platform.str(), ENOENT));
  return image;
}

Result<StepResult> run_step(Build& build, StageState& state, const images::Instruction& ins) {
  if (ins.keyword == "RUN") return run_run_step(build, state, ins);
  if (ins.keyword == "COPY" || ins.keyword == "ADD") return run_copy_step(build, state, ins);
  return run_config_step(build, state, ins);
}

// The image's ONBUILD triggers, in order (config.OnBuild).
std::vector<std::string> onbuild_triggers(const image::ImageConfig& config) {
  auto doc = nlohmann::json::parse(config.raw_json, nullptr, false);
  std::vector<std::string> out;
  if (!doc.is_object() || !doc.contains("config") || !doc["config"].is_object()) return out;
  auto list = doc["config"].value("OnBuild", nlohmann::json());
  if (!list.is_array()) return out;
  for (const auto& item : list)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

// As docker: the FROM image's triggers run right after FROM, in the child's
// build (its context, its args), and the child does not inherit them.
Result<StepResult> run_onbuild_triggers(Build& build, StageState& state) {
  std::vector<std::string> triggers = onbuild_triggers(state.config);
  for (const std::string& text : triggers) {
    build.output.trigger(text);
    images::Instruction ins = SBX_TRY_CTX(images::parse_trigger(text), "ONBUILD " + text);
    StepResult done = SBX_TRY_CTX(run_step(build, state, ins), "ONBUILD " + text);
    if (done.failed_status != 0) return done;
    if (done.id != state.image.id) SBX_TRY(enter_image(build, state, done.id));
    build.output.step_done(done.id, done.cached);
  }
  if (!triggers.empty()) {
    images::Instruction clear;  // an ONBUILD with no trigger clears the list
    clear.keyword = "ONBUILD";
    clear.original = "ONBUILD (the base image's triggers ran)";
    StepResult cleared = SBX_TRY(run_config_step(build, state, clear));
    SBX_TRY(enter_image(build, state, cleared.id));
  }
  return StepResult{state.image.id, false, 0, {}};
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
  StepResult last = SBX_TRY_CTX(run_onbuild_triggers(build, state),
                                "line " + std::to_string(stage.line) + ": FROM " + base);
  if (last.failed_status != 0) return last;
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

Result<BuildResult> build(const BuildOptions& given, BuildOutput& output) {
  std::vector<std::string> names;
  for (const std::string& tag : given.tags)
    names.push_back(SBX_TRY_CTX(store::canonical_tag(tag), "-t " + tag));
  store::Store store = SBX_TRY(store::Store::open(given.store_root));
  BuildOptions options = given;
  std::optional<StdinContext> from_stdin = SBX_TRY(take_stdin(store, options, output));
  Build build{store, options, output, {}, {}, {}, true, {}, {}, {}, 0, 0};
  build.has_context = !from_stdin || from_stdin->has_context;
  build.target_platform = image::host_platform();
  if (!options.platform.empty())
    build.target_platform =
        SBX_TRY_CTX(image::parse_platform(options.platform), "--platform " + options.platform);
  build.context = SBX_TRY_CTX(open_file(options.context, O_PATH | O_DIRECTORY | O_CLOEXEC),
                              "the build context");
  std::string text =
      SBX_TRY_CTX(read_dockerfile(options, build.context.get()), "read the Dockerfile");
  build.file = SBX_TRY_CTX(images::parse_dockerfile(text), "Dockerfile");
  build.ignore = SBX_TRY(read_ignore(options, build.context.get()));
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

Status require_context(const Build& build, const std::string& what) {
  if (build.has_context) return {};
  return fail(Error(what + " needs a build context, but the Dockerfile came alone on stdin", ENOENT)
                  .with_hint("give a context directory, or pipe a tar of it: sandbox build - < "
                             "context.tar"));
}

Result<BuildResult> build_image(const BuildOptions& options, BuildOutput& output) {
  return with_context(build(options, output), "build");
}

}  // namespace sbx::build
