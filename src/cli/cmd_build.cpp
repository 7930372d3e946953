// `sandbox build [OPTIONS] CONTEXT|-`: podman-style step lines on stdout, the
// RUN commands' output streamed, the image id last (-q: only the id).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli.hpp"
#include "sandbox/build/build.hpp"

namespace sbx::cli {
namespace {

class BuildPrinter : public build::BuildOutput {
 public:
  explicit BuildPrinter(bool quiet) : quiet_(quiet) {}
  void step(int number, int total, std::string_view text) override {
    if (quiet_) return;
    std::printf("STEP %d/%d: %.*s\n", number, total, static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
  }
  void trigger(std::string_view text) override {
    if (quiet_) return;
    std::printf("ONBUILD trigger: %.*s\n", static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
  }
  void step_done(const image::Digest& id, bool cached) override {
    if (quiet_) return;
    if (cached) std::printf("--> Using cache %s\n", id.hex().c_str());
    std::printf("--> %s\n", id.hex().substr(0, 12).c_str());
    std::fflush(stdout);
  }
  void resolved(const image::Reference&, const image::Digest& digest) override {
    if (!quiet_) std::fprintf(stderr, "Pulling image %s\n", digest.str().c_str());
  }
  void warning(std::string_view text) override {
    std::fprintf(stderr, "sandbox: warning: %.*s\n", static_cast<int>(text.size()), text.data());
  }

 private:
  bool quiet_;
};

struct BuildCommand {
  build::BuildOptions options;
  std::string file;
  std::vector<std::string> build_args;
  std::string context;
};

CommandResult run_build(BuildCommand& cmd, const GlobalOptions& globals) {
  build::BuildOptions options = cmd.options;
  options.store_root = globals.root;
  options.storage_driver = globals.storage_driver;
  for (const std::string& arg : cmd.build_args) {
    size_t eq = arg.find('=');
    if (eq == 0) return fail(Error("--build-arg " + arg + ": empty name", EINVAL));
    if (eq == std::string::npos) {
      // --build-arg NAME: the value from this environment, as docker.
      if (const char* value = std::getenv(arg.c_str())) options.build_args[arg] = value;
      continue;
    }
    options.build_args[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  if (cmd.context == "-")
    options.context_from_stdin = true;  // the build module reads stdin
  else
    options.context = cmd.context;
  if (cmd.file == "-" && options.context_from_stdin) {
    options.dockerfile_from_stdin = true;  // refused by the build, naming both
  } else if (cmd.file == "-") {
    options.dockerfile_from_stdin = true;
    options.dockerfile_text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    options.dockerfile = cmd.file;
  }
  BuildPrinter printer(options.quiet);
  build::BuildResult result = SBX_TRY(build::build_image(options, printer));
  if (result.failed_status != 0) {
    std::fprintf(stderr, "sandbox: build: %s\n", result.failure.c_str());
    return result.failed_status;
  }
  if (!options.quiet)
    for (const std::string& name : result.names) std::printf("COMMIT %s\n", name.c_str());
  std::printf("%s\n", options.quiet ? result.id.str().c_str() : result.id.hex().c_str());
  return 0;
}

}  // namespace

void register_build_commands(Registry& registry) {
  auto cmd = std::make_shared<BuildCommand>();
  GlobalOptions& globals = registry.globals();
  CLI::App* sub = registry.add("build", "Build an image from a Dockerfile (Containerfile)",
                               [cmd, &globals] { return run_build(*cmd, globals); });
  auto& o = cmd->options;
  sub->add_option("-f,--file", cmd->file,
                  "The Dockerfile (default: CONTEXT/Containerfile, "
                  "then CONTEXT/Dockerfile; - reads stdin)");
  sub->add_option("-t,--tag", o.tags, "Name the image NAME[:TAG] (repeatable)");
  sub->add_option("--build-arg", cmd->build_args, "Set a build argument K=V");
  sub->add_option("--target", o.target, "Build up to this stage");
  sub->add_flag("--no-cache", o.no_cache, "Run every step, using no cached result");
  sub->add_flag("--pull", o.pull, "Pull FROM images even when they are stored");
  sub->add_option("--network", o.network, "RUN steps' network: slirp4netns (default), none, host");
  sub->add_option("--label", o.labels, "Add a label K=V to the image");
  sub->add_option("--platform", o.platform, "The platform of FROM images (os/arch[/variant])");
  sub->add_flag("-q,--quiet", o.quiet, "Print only the image id");
  sub->add_option("context", cmd->context,
                  "The build context directory; - reads a tar of it (or a Dockerfile and no "
                  "context) from stdin")
      ->required();
  for (CLI::Option* option : sub->get_options()) option->allow_extra_args(false);
}

}  // namespace sbx::cli
