// sha256 of a layer's uncompressed stream (its diff id), with zlib and zstd.
#include "sandbox/store/layer_digest.hpp"

#include "decompress.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <vector>

#include "sandbox/base/files.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 256 * 1024;

// Reads the file chunk by chunk; `feed` returns an error to stop.
template <class Feed>
Status read_chunks(const fs::path& path, Feed&& feed) {
  UniqueFd fd = SBX_TRY(open_file(path, O_RDONLY));
  std::vector<char> buffer(kChunk);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read", path.native());
    }
    if (n == 0) return {};
    SBX_TRY(feed(buffer.data(), static_cast<size_t>(n)));
  }
}

Status gunzip_into(const fs::path& path, const ChunkSink& sink) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail("inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::vector<unsigned char> out(kChunk);
  bool ended = false;  // the last member ended with nothing after it
  Status read = read_chunks(path, [&](const char* data, size_t size) -> Status {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    zs.avail_in = static_cast<uInt>(size);
    while (zs.avail_in > 0) {
      if (ended) {  // another gzip member follows
        if (inflateReset(&zs) != Z_OK) return fail("inflateReset failed");
        ended = false;
      }
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return fail(std::string("gzip: ") + (zs.msg ? zs.msg : "corrupt stream"));
      SBX_TRY(sink(out.data(), out.size() - zs.avail_out));
      if (rc == Z_STREAM_END) ended = true;
      if (rc == Z_BUF_ERROR && zs.avail_out != 0) break;
    }
    return {};
  });
  if (!read) return read;
  if (!ended) return fail("gzip: truncated stream");
  return {};
}

Status unzstd_into(const fs::path& path, const ChunkSink& sink) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return fail("ZSTD_createDCtx failed");
  std::vector<char> out(ZSTD_DStreamOutSize());
  size_t last = 0;  // 0 when a frame just ended
  Status read = read_chunks(path, [&](const char* data, size_t size) -> Status {
    ZSTD_inBuffer in{data, size, 0};
    // Until the input is used up and zstd stopped filling the whole output,
    // or a frame ended: asked again then, zstd would start a next frame and
    // return that header's size, as if this one were cut short (a frame whose
    // output ends on a buffer boundary).
    for (bool full = true; in.pos < in.size || (full && last != 0);) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      last = ZSTD_decompressStream(ctx.get(), &output, &in);
      if (ZSTD_isError(last)) return fail(std::string("zstd: ") + ZSTD_getErrorName(last));
      SBX_TRY(sink(out.data(), output.pos));
      full = output.pos == output.size;
    }
    return {};
  });
  if (!read) return read;
  if (last != 0) return fail("zstd: truncated stream");
  return {};
}

}  // namespace

Status decompress_file(const fs::path& blob, image::Compression compression,
                       const ChunkSink& sink) {
  switch (compression) {
    case image::Compression::kNone:
      return read_chunks(blob, sink);
    case image::Compression::kGzip:
      return gunzip_into(blob, sink);
    case image::Compression::kZstd:
      return unzstd_into(blob, sink);
  }
  return fail("unknown compression");
}

Result<UncompressedDigest> uncompressed_digest(const fs::path& blob,
                                               image::Compression compression) {
  image::Sha256 hash;
  Status status = decompress_file(blob, compression, [&](const void* data, size_t size) -> Status {
    hash.update(data, size);
    return {};
  });
  if (!status) return std::unexpected(std::move(status).error().context(blob.native()));
  UncompressedDigest result;
  result.size = hash.size();
  result.digest = hash.finish();
  return result;
}

Result<image::Compression> sniff_compression(const fs::path& file) {
  UniqueFd fd = SBX_TRY(open_file(file, O_RDONLY));
  unsigned char magic[4] = {};
  ssize_t n = ::read(fd.get(), magic, sizeof magic);
  if (n < 0) return fail_errno("read", file.native());
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return image::Compression::kGzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return image::Compression::kZstd;
  return image::Compression::kNone;
}

}  // namespace sbx::store
