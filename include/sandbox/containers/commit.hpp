// `commit` and `export`: a container's files as an image or as a tar.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::containers {

struct CommitOptions {
  std::string message;               // -m: history comment
  std::string author;                // -a
  std::vector<std::string> changes;  // -c 'CMD ["x"]', 'ENV K=V', ...
  std::string created_by;            // the history entry's; empty: "sandbox commit ID"
  // Freeze the container's cgroup while its upper dir is read (as docker
  // pauses); without a cgroup the files are read while it runs.
  bool pause = true;
};

struct CommitResult {
  image::Digest id;
  std::string name;  // canonical, empty when none was given
};

// The container's upper dir becomes a new layer on top of its image; the
// new image's config carries the changes, -m and -a. Single-threaded callers
// only (forks into the user namespace).
Result<CommitResult> commit_container(const store::Store& store, std::string_view container,
                                      std::string_view image_name, const CommitOptions& options,
                                      images::ProgressSink& progress);

// A tar of the container's filesystem as it sees it: its image's layers
// with its changes on top, whiteouts applied. Single-threaded callers only.
Status export_container(const store::Store& store, std::string_view container, int out_fd);

}  // namespace sbx::containers
