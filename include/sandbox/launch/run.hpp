// `sandbox run`: the whole run path in one call:
// resolve or pull the image, merge the spec, lay out the rootfs, plan, spawn,
// map ids, release the child, relay signals and the terminal, clean up.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"
#include "sandbox/containers/run_flags.hpp"
#include "sandbox/image/manifest.hpp"
#include "sandbox/images/pull.hpp"

namespace sbx::launch {

struct RunOptions {
  std::filesystem::path store_root;  // empty: the default store
  std::string storage_driver;        // empty: the probed best for this host
  containers::RunFlags flags;
  // The command line as typed (ContainerMeta's run_flags, run_image_args).
  std::vector<std::string> command_flags, command_image_args;
};

// --pull: missing (the default), always, never, newer.
enum class PullPolicy { kMissing, kAlways, kNever, kNewer };
Result<PullPolicy> parse_pull_policy(std::string_view text);

// The name of qemu-user's binfmt_misc handler for `platform`'s architecture
// (/proc/sys/fs/binfmt_misc/qemu-aarch64 for linux/arm64); "" when unknown.
std::string binfmt_handler_name(const image::Platform& platform);

// Returns the container's exit code (the command's status, 128+N for a
// signal, 126/127 when the command cannot be run); an Error when sandbox
// itself failed (the CLI exits 125). Must be called single-threaded (forks).
// Warnings (e.g. a one-id map) go to `progress`.
Result<int> run_container(const RunOptions& options, images::ProgressSink& progress);

struct DetachedRun {
  std::string id;
  // The container ended at once, its end recorded: its command could not be
  // exec'd (command_exec_error; exit_code_for_exec_errno says 127 or 126).
  std::optional<Error> command_failed;
};

// `run -d`: starts the container under its monitor and returns its id once
// its command runs; on an error nothing is left behind.
Result<DetachedRun> run_container_detached(const RunOptions& options,
                                           images::ProgressSink& progress);

// `create`: the container's records, rootfs layout and name, as `run` makes
// them, without starting it (status "created"; `start` plans and runs it).
// Returns its id.
Result<std::string> create_container_record(const RunOptions& options,
                                            images::ProgressSink& progress);

}  // namespace sbx::launch
