// Reading an image archive (docker-archive or oci-archive, the tar possibly
// compressed) into a staging dir: every regular member becomes a numbered
// file with its sha256, links become aliases. Member names are cleaned like
// layer entries; a name or link that leaves the archive is an error, as is
// any other file type. Used by `load` (src/images/load.cpp).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"

namespace sbx::rootfs {

struct ArchiveMember {
  std::filesystem::path file;  // in the staging dir
  image::Digest digest;        // sha256 of its bytes
  uint64_t size = 0;
};

class ArchiveContents {
 public:
  // The member at `name` (links followed), nullptr when absent.
  const ArchiveMember* find(std::string_view name) const;
  // The member for blob `digest` of an OCI layout (blobs/sha256/<hex>),
  // checked against the digest and `size` (0: any size).
  Result<const ArchiveMember*> blob(const image::Digest& digest, uint64_t size) const;
  // A small member's bytes (manifests, configs, index.json).
  Result<std::string> read(std::string_view name, size_t max_bytes) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  std::map<std::string, ArchiveMember, std::less<>> files;
  std::map<std::string, std::string, std::less<>> links;  // name -> target name
};

Result<ArchiveContents> read_image_archive(int fd, const std::filesystem::path& staging);
// The same from an archive unpacked into `dir` (`load -i DIR`): its files are
// copied into `staging`, its symlinks must stay inside it.
Result<ArchiveContents> read_image_directory(const std::filesystem::path& dir,
                                             const std::filesystem::path& staging);

}  // namespace sbx::rootfs
