// Images from containers and archives (issue 4): `commit`, `save`, `load`
// and `export`. Archives are docker-archive (what `docker save` writes) or
// oci-archive (an OCI image layout in a tar). Loading verifies every digest
// before anything is stored and imports through the same blob / unpack path
// as pull, so hostile layer paths meet the same rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/runtime/images.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::runtime {

struct CommitOptions {
  std::string message;               // -m: history comment
  std::string author;                // -a
  std::vector<std::string> changes;  // -c 'CMD ["x"]', 'ENV K=V', ...
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
                                      ProgressSink& progress);

enum class ArchiveFormat { kDockerArchive, kOciArchive };
// "docker-archive" (also "docker"), "oci-archive" (also "oci").
Result<ArchiveFormat> parse_archive_format(std::string_view text);

// Writes `images` (names or ids) as one uncompressed tar to `out_fd`.
Status save_images(const store::Store& store, const std::vector<std::string>& images,
                   ArchiveFormat format, int out_fd);

struct LoadedImage {
  image::Digest id;
  std::vector<std::string> names;  // canonical tags given to it
};

// Reads a docker-archive or oci-archive (the archive itself may be gzip,
// zstd, xz or bzip2 compressed) from `in_fd`. Every blob is checked against
// its digest and every layer against its diff id before anything enters
// the store; images are recorded last, so a corrupt or truncated archive
// records nothing. Single-threaded callers only.
Result<std::vector<LoadedImage>> load_images(const store::Store& store, int in_fd,
                                             ProgressSink& progress);

// A tar of the container's filesystem as it sees it: its image's layers
// with its changes on top, whiteouts applied. Single-threaded callers only.
Status export_container(const store::Store& store, std::string_view container, int out_fd);

}  // namespace sbx::runtime
