// The zlib and zstd functions the diff-id check calls, loaded on first use
// (see sandbox/base/lazy_library.hpp): only pull, load, import and commit
// decompress layers, so `run` of a stored image never maps either library.
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

ZSTD_DCtx* ZSTD_createDCtx() { return SBX_LAZY(libzstd(), ZSTD_createDCtx)(); }
size_t ZSTD_freeDCtx(ZSTD_DCtx* dctx) { return SBX_LAZY(libzstd(), ZSTD_freeDCtx)(dctx); }
size_t ZSTD_DStreamOutSize() { return SBX_LAZY(libzstd(), ZSTD_DStreamOutSize)(); }
size_t ZSTD_decompressStream(ZSTD_DStream* zds, ZSTD_outBuffer* output, ZSTD_inBuffer* input) {
  return SBX_LAZY(libzstd(), ZSTD_decompressStream)(zds, output, input);
}
unsigned ZSTD_isError(size_t code) { return SBX_LAZY(libzstd(), ZSTD_isError)(code); }
const char* ZSTD_getErrorName(size_t code) { return SBX_LAZY(libzstd(), ZSTD_getErrorName)(code); }

}  // extern "C"
