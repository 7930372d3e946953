// RUN --mount=type=cache|bind|tmpfs,... turned into run's --mount values.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "build_state.hpp"

namespace sbx::build {

// What the mounts of one RUN step need while it runs. Root filesystems
// copied for bind mounts `from=` a stage or an image are removed when this
// goes, so what the step wrote into a rw one is discarded.
class RunMounts {
 public:
  RunMounts() = default;
  RunMounts(RunMounts&&) = default;
  RunMounts& operator=(RunMounts&&) = delete;
  RunMounts(const RunMounts&) = delete;
  ~RunMounts();

  // The copies of the images bound from= (run only when the step runs, not
  // on a cache hit): fills in their entries of `specs`.
  Status copy_bound_images(const Build& build);

  std::vector<std::string> specs;             // run's --mount values
  std::vector<std::string> from_ids;          // the images bound from=, for the cache key
  std::vector<std::filesystem::path> copies;  // removed in the user namespace

 private:
  friend Result<RunMounts> plan_run_mounts(const Build&, const images::Instruction&);
  struct FromImage {
    size_t spec = 0;  // its entry in `specs`
    store::ImageRecord image;
    std::string source, target;
    bool rw = false;
  };
  std::vector<FromImage> pending_;
};

// Bind sources are in the context (read-only unless rw) or, with from=, in
// a stage's or image's root filesystem; caches live in the store.
Result<RunMounts> plan_run_mounts(const Build& build, const images::Instruction& ins);

}  // namespace sbx::build
