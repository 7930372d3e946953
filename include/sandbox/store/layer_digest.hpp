// The diff id of a layer blob: sha256 of its uncompressed tar stream, checked
// against the image config's rootfs.diff_ids before a layer is unpacked.
#pragma once

#include <cstdint>
#include <filesystem>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::store {

struct UncompressedDigest {
  image::Digest digest;
  uint64_t size = 0;  // uncompressed bytes
};

// Streams `blob` through gzip (multi-member) / zstd (multi-frame) or as is
// and hashes what comes out. A truncated or corrupt stream is an error.
Result<UncompressedDigest> uncompressed_digest(const std::filesystem::path& blob,
                                               image::Compression compression);

// The compression a file starts with (gzip, zstd magic), else kNone.
Result<image::Compression> sniff_compression(const std::filesystem::path& file);

}  // namespace sbx::store
