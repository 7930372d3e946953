// `sandbox build -`: what stdin holds, as docker reads it. A tar archive
// (plain or compressed) is the build context, unpacked by rootfs's confined
// unpacker with the rules a layer gets (no entry outside the directory, no
// hardlink out); anything else is a Dockerfile, built with no context.
#pragma once

#include <filesystem>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/base/files.hpp"
#include "sandbox/images/progress.hpp"

namespace sbx::build {

struct StdinContext {
  TempDir dir;                    // holds the context while the build runs
  std::filesystem::path context;  // the unpacked archive, or an empty dir
  bool has_context = false;       // false: stdin was a Dockerfile
  std::string dockerfile_text;    // stdin's text when it was a Dockerfile
};

// Reads `fd` to its end into a new directory under `parent`.
Result<StdinContext> read_stdin_context(int fd, const std::filesystem::path& parent,
                                        images::ProgressSink& output);

}  // namespace sbx::build
