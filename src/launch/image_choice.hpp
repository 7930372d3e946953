// The image a run starts from: --pull's policy, --platform's choice out of an
// index, and an image this host cannot execute refused before anything starts.
#pragma once

#include <string>

#include "sandbox/containers/run_flags.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::launch {

// The stored image for `flags.image` under --pull and --platform, pulled when
// the policy asks: missing (the store lacks it, or has it for another
// platform), always, never, newer (pulled when the registry's digest differs;
// the stored one used, with a warning, when the registry cannot be asked).
Result<store::ImageRecord> resolve_run_image(const store::Store& store,
                                             const containers::RunFlags& flags,
                                             images::ProgressSink& progress);

// An image for another platform runs only through a binfmt_misc handler
// (qemu-user); without one, execve would fail with ENOEXEC inside the
// container: said here, naming the platforms.
Status check_image_runs_here(const image::ImageConfig& config);

}  // namespace sbx::launch
