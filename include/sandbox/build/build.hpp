// `sandbox build`: a Dockerfile (Containerfile) and a context directory
// become an image. RUN steps run as ordinary containers (launch's run path:
// same isolation, seccomp and user mapping) whose changes are committed as
// layers; COPY and ADD write layers from the context; every step's result is
// cached on its parent, its instruction and what it copies.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/images/progress.hpp"

namespace sbx::build {

struct BuildOptions {
  std::filesystem::path store_root;  // empty: the default store
  std::string storage_driver;        // empty: the probed best for this host
  std::filesystem::path context;     // the context directory
  // `sandbox build -`: stdin holds the context as a tar (plain or compressed;
  // `dockerfile` then names a file in it), or a Dockerfile and no context.
  bool context_from_stdin = false;
  // The Dockerfile: a path (relative to the cwd), or empty to look in the
  // context for Containerfile, then Dockerfile.
  std::filesystem::path dockerfile;
  std::string dockerfile_text;  // used instead when `dockerfile_from_stdin`
  bool dockerfile_from_stdin = false;
  std::vector<std::string> tags;                  // -t, each NAME[:TAG]
  std::map<std::string, std::string> build_args;  // --build-arg K=V
  std::vector<std::string> labels;                // --label K=V
  std::string target;                             // --target STAGE
  std::string network;                            // RUN's --network: "" (slirp4netns), none, host
  std::string platform;                           // --platform (only the host's is built)
  bool no_cache = false;
  bool pull = false;   // --pull: pull FROM images even when stored
  bool quiet = false;  // -q: no step lines, RUN output discarded
};

// What a build reports as it goes (the CLI prints it).
class BuildOutput : public images::ProgressSink {
 public:
  // "STEP 2/5: RUN make"
  virtual void step(int /*number*/, int /*total*/, std::string_view /*text*/) {}
  // One of the FROM image's ONBUILD triggers, about to run: "RUN make"
  virtual void trigger(std::string_view /*text*/) {}
  // "--> Using cache <id>" / "--> <id>"
  virtual void step_done(const image::Digest& /*id*/, bool /*cached*/) {}
};

struct BuildResult {
  image::Digest id;
  std::vector<std::string> names;  // canonical tags
  // A RUN step failed: its exit status (nonzero) and what failed
  // ("RUN step 3/5 'make': exit status 2"); `id` is then empty.
  int failed_status = 0;
  std::string failure;
};

// Builds the target stage (the last one by default) and the stages it needs.
// A failing RUN is a BuildResult with failed_status: the steps before it
// stay cached and no name is given. Single-threaded callers only (forks).
Result<BuildResult> build_image(const BuildOptions& options, BuildOutput& output);

}  // namespace sbx::build
