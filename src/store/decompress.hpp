// A layer blob's uncompressed stream, chunk by chunk (private to src/store:
// layer_digest.cpp hashes it, layer_compress.cpp compresses it again).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>

#include "sandbox/base/error.hpp"
#include "sandbox/image/manifest.hpp"

namespace sbx::store {

// Receives the next uncompressed bytes; an error stops the stream.
using ChunkSink = std::function<Status(const void* data, size_t size)>;

// Streams `blob` through gzip (multi-member) / zstd (multi-frame) or as is
// into `sink`. A truncated or corrupt stream is an error.
Status decompress_file(const std::filesystem::path& blob, image::Compression compression,
                       const ChunkSink& sink);

}  // namespace sbx::store
