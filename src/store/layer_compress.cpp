// Layer blobs recompressed for push --compression-format: the stored blob is
// decompressed (decompress.hpp), its uncompressed stream hashed against the
// diff id and fed to zlib or zstd, whose output is hashed and written out.
#include "sandbox/store/layer_compress.hpp"

#include <fcntl.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <vector>

#include "decompress.hpp"
#include "sandbox/base/files.hpp"

namespace sbx::store {

namespace fs = std::filesystem;

namespace {

constexpr int kGzipLevel = 6;  // zlib's default, and what gzip(1) and podman's pgzip use
constexpr int kZstdLevel = 3;  // zstd's default, as podman's
constexpr size_t kOutChunk = 256 * 1024;

// The compressed bytes: hashed, counted and written to `fd`.
class CompressedOutput {
 public:
  CompressedOutput(int fd, const fs::path& path) : fd_(fd), path_(path) {}
  Status write(const void* data, size_t size) {
    if (size == 0) return {};
    hash_.update(data, size);
    return with_context(write_all(fd_, {static_cast<const char*>(data), size}),
                        "write " + path_.native());
  }
  CompressedBlob finish() {
    uint64_t size = hash_.size();  // finish() starts the hasher over
    return {hash_.finish(), size};
  }

 private:
  int fd_;
  const fs::path& path_;
  image::Sha256 hash_;
};

class GzipEncoder {
 public:
  explicit GzipEncoder(CompressedOutput& out) : out_(out), buffer_(kOutChunk) {}
  ~GzipEncoder() {
    if (started_) deflateEnd(&zs_);
  }
  Status start() {
    // 15 + 16: a gzip wrapper; its header carries no name and mtime 0.
    if (deflateInit2(&zs_, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return fail("gzip: deflateInit2 failed", ENOMEM);
    started_ = true;
    return {};
  }
  Status feed(const void* data, size_t size) { return run(data, size, Z_NO_FLUSH); }
  Status finish() { return run(nullptr, 0, Z_FINISH); }

 private:
  Status run(const void* data, size_t size, int flush) {
    zs_.next_in = static_cast<Bytef*>(const_cast<void*>(data));
    zs_.avail_in = static_cast<uInt>(size);
    for (;;) {
      zs_.next_out = buffer_.data();
      zs_.avail_out = static_cast<uInt>(buffer_.size());
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return fail("gzip: deflate failed", EIO);
      SBX_TRY(out_.write(buffer_.data(), buffer_.size() - zs_.avail_out));
      if (flush == Z_FINISH ? rc == Z_STREAM_END : zs_.avail_out != 0) return {};
    }
  }

  CompressedOutput& out_;
  std::vector<unsigned char> buffer_;
  z_stream zs_{};
  bool started_ = false;
};

class ZstdEncoder {
 public:
  explicit ZstdEncoder(CompressedOutput& out)
      : out_(out), ctx_(ZSTD_createCCtx(), ZSTD_freeCCtx), buffer_(ZSTD_CStreamOutSize()) {}
  Status start() {
    if (!ctx_) return fail("zstd: ZSTD_createCCtx failed", ENOMEM);
    SBX_TRY(check(ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, kZstdLevel)));
    SBX_TRY(check(ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1)));
    return {};
  }
  Status feed(const void* data, size_t size) {
    ZSTD_inBuffer in{data, size, 0};
    while (in.pos < in.size) SBX_TRY(step(in, ZSTD_e_continue));
    return {};
  }
  Status finish() {
    ZSTD_inBuffer in{nullptr, 0, 0};
    for (;;) {
      size_t left = SBX_TRY(step(in, ZSTD_e_end));
      if (left == 0) return {};
    }
  }

 private:
  static Result<size_t> check(size_t code) {
    if (ZSTD_isError(code)) return fail(std::string("zstd: ") + ZSTD_getErrorName(code), EIO);
    return code;
  }
  Result<size_t> step(ZSTD_inBuffer& in, ZSTD_EndDirective directive) {
    ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
    size_t left = SBX_TRY(check(ZSTD_compressStream2(ctx_.get(), &output, &in, directive)));
    SBX_TRY(out_.write(buffer_.data(), output.pos));
    return left;
  }

  CompressedOutput& out_;
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx_;
  std::vector<char> buffer_;
};

// Feeds the uncompressed stream of `blob` to `encoder`, checking its diff id.
template <class Encoder>
Status encode(const fs::path& blob, image::Compression from, const image::Digest& diff_id,
              Encoder& encoder) {
  SBX_TRY(encoder.start());
  image::Sha256 plain;
  SBX_TRY(decompress_file(blob, from, [&](const void* data, size_t size) -> Status {
    plain.update(data, size);
    return encoder.feed(data, size);
  }));
  image::Digest got = plain.finish();
  if (got != diff_id)
    return fail(Error("its uncompressed content is " + got.str() + ", not the diff id " +
                          diff_id.str() + " the image config names",
                      EIO)
                    .with_hint("the store is damaged: run 'sandbox system check --repair'"));
  return encoder.finish();
}

}  // namespace

Result<CompressedBlob> recompress_layer(const fs::path& blob, image::Compression from,
                                        const image::Digest& diff_id, image::Compression to,
                                        const fs::path& out) {
  std::string what =
      "compress " + blob.native() + " with " + (to == image::Compression::kZstd ? "zstd" : "gzip");
  UniqueFd fd = SBX_TRY_CTX(open_file(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), what);
  CompressedOutput output(fd.get(), out);
  Status status;
  if (to == image::Compression::kGzip) {
    GzipEncoder encoder(output);
    status = encode(blob, from, diff_id, encoder);
  } else if (to == image::Compression::kZstd) {
    ZstdEncoder encoder(output);
    status = encode(blob, from, diff_id, encoder);
  } else {
    status = fail("a layer is compressed with gzip or zstd", EINVAL);
  }
  if (!status) return std::unexpected(std::move(status).error().context(what));
  return output.finish();
}

}  // namespace sbx::store
