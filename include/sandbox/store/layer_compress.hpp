// A layer blob compressed another way (push --compression-format): the same
// uncompressed tar stream, so the same diff id and image config, in a new
// blob with its own digest and size.
#pragma once

#include <cstdint>
#include <filesystem>

#include "sandbox/base/error.hpp"
#include "sandbox/image/digest.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::store {

struct CompressedBlob {
  image::Digest digest;  // of the compressed bytes written
  uint64_t size = 0;
};

// Decompresses `blob` (stored as `from`), checks that the stream hashes to
// `diff_id`, and writes it compressed as `to` (gzip or zstd) to the new file
// `out`. The output is a function of the input alone (gzip: no name, mtime 0,
// level 6; zstd: level 3, one thread), so a repeated push makes the same blob
// and finds it already in the registry.
Result<CompressedBlob> recompress_layer(const std::filesystem::path& blob, image::Compression from,
                                        const image::Digest& diff_id, image::Compression to,
                                        const std::filesystem::path& out);

}  // namespace sbx::store
