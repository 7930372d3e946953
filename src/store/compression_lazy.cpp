// The zlib and zstd functions the diff-id check and push's recompression call,
// loaded on first use (see sandbox/base/lazy_library.hpp): only pull, load,
// import, commit and push touch layer blobs, so `run` of a stored image never
// maps either library.
#include <zlib.h>
#include <zstd.h>

#include "sandbox/base/lazy_library.hpp"

namespace {

sbx::LazyLibrary& libz() {
  static sbx::LazyLibrary library("libz.so.1");
  return library;
}

sbx::LazyLibrary& libzstd() {
  static sbx::LazyLibrary library("libzstd.so.1");
  return library;
}

}  // namespace

extern "C" {

// inflateInit2() is a macro over inflateInit2_ (it passes the header's
// version and sizeof(z_stream) for the library to check).
int inflateInit2_(z_streamp strm, int window_bits, const char* version, int stream_size) {
  return SBX_LAZY(libz(), inflateInit2_)(strm, window_bits, version, stream_size);
}
int inflate(z_streamp strm, int flush) { return SBX_LAZY(libz(), inflate)(strm, flush); }
int inflateReset(z_streamp strm) { return SBX_LAZY(libz(), inflateReset)(strm); }
int inflateEnd(z_streamp strm) { return SBX_LAZY(libz(), inflateEnd)(strm); }
// deflateInit2() is a macro over deflateInit2_, as inflateInit2().
int deflateInit2_(z_streamp strm, int level, int method, int window_bits, int mem_level,
                  int strategy, const char* version, int stream_size) {
  return SBX_LAZY(libz(), deflateInit2_)(strm, level, method, window_bits, mem_level, strategy,
                                         version, stream_size);
}
int deflate(z_streamp strm, int flush) { return SBX_LAZY(libz(), deflate)(strm, flush); }
int deflateEnd(z_streamp strm) { return SBX_LAZY(libz(), deflateEnd)(strm); }

ZSTD_DCtx* ZSTD_createDCtx() { return SBX_LAZY(libzstd(), ZSTD_createDCtx)(); }
size_t ZSTD_freeDCtx(ZSTD_DCtx* dctx) { return SBX_LAZY(libzstd(), ZSTD_freeDCtx)(dctx); }
size_t ZSTD_DStreamOutSize() { return SBX_LAZY(libzstd(), ZSTD_DStreamOutSize)(); }
size_t ZSTD_decompressStream(ZSTD_DStream* zds, ZSTD_outBuffer* output, ZSTD_inBuffer* input) {
  return SBX_LAZY(libzstd(), ZSTD_decompressStream)(zds, output, input);
}
unsigned ZSTD_isError(size_t code) { return SBX_LAZY(libzstd(), ZSTD_isError)(code); }
ZSTD_CCtx* ZSTD_createCCtx() { return SBX_LAZY(libzstd(), ZSTD_createCCtx)(); }
size_t ZSTD_freeCCtx(ZSTD_CCtx* cctx) { return SBX_LAZY(libzstd(), ZSTD_freeCCtx)(cctx); }
size_t ZSTD_CStreamOutSize() { return SBX_LAZY(libzstd(), ZSTD_CStreamOutSize)(); }
size_t ZSTD_CCtx_setParameter(ZSTD_CCtx* cctx, ZSTD_cParameter param, int value) {
  return SBX_LAZY(libzstd(), ZSTD_CCtx_setParameter)(cctx, param, value);
}
size_t ZSTD_compressStream2(ZSTD_CCtx* cctx, ZSTD_outBuffer* output, ZSTD_inBuffer* input,
                            ZSTD_EndDirective end_op) {
  return SBX_LAZY(libzstd(), ZSTD_compressStream2)(cctx, output, input, end_op);
}
const char* ZSTD_getErrorName(size_t code) { return SBX_LAZY(libzstd(), ZSTD_getErrorName)(code); }

}  // extern "C"
