// `save` and `load`: images as docker-archive (what `docker save` writes) or
// oci-archive (an OCI image layout in a tar). Loading verifies every digest
// before anything is stored and imports through the same blob / unpack path
// as pull, so hostile layer paths meet the same rules.
#pragma once

#include <filesystem>

#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/images/progress.hpp"
#include "sandbox/store/store.hpp"

namespace sbx::images {

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
// The same from such an archive unpacked into `dir` (an OCI layout, or a
// docker-archive's manifest.json and files), with the same checks.
Result<std::vector<LoadedImage>> load_images_from_directory(const store::Store& store,
                                                            const std::filesystem::path& dir,
                                                            ProgressSink& progress);

}  // namespace sbx::images
