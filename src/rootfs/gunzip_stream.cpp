#include "gunzip_stream.hpp"

#include <unistd.h>

#include <cerrno>

#include "sandbox/base/lazy_library.hpp"
#include "sandbox/rootfs/unpack.hpp"

#if __has_include(<isa-l/igzip_lib.h>)
#include <isa-l/igzip_lib.h>
#define SBX_HAVE_ISAL 1
#else
struct inflate_state {};  // never created: available() is false
#define SBX_HAVE_ISAL 0
#endif

namespace sbx::rootfs {

namespace {

constexpr size_t kInputBlock = 256 * 1024;

#if SBX_HAVE_ISAL
sbx::LazyLibrary& libisal() {
  static sbx::LazyLibrary library("libisal.so.2");
  return library;
}

const char* isal_message(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid deflate distance";
    case ISAL_INVALID_WRAPPER:
      return "not a gzip stream (bad header)";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "CRC mismatch";
    default:
      return "corrupt stream";
  }
}
#endif

}  // namespace

#if SBX_HAVE_ISAL
bool GunzipStream::available() { return libisal().load(); }
OptionalLibrary isal_library() { return {"ISA-L", libisal().soname(), libisal().load()}; }
#else
bool GunzipStream::available() { return false; }
OptionalLibrary isal_library() { return {"ISA-L", "", false}; }
#endif

GunzipStream::GunzipStream(int fd)
    : fd_(fd), in_(std::make_unique_for_overwrite<unsigned char[]>(kInputBlock)) {
#if SBX_HAVE_ISAL
  state_ = std::make_unique<inflate_state>();
  SBX_LAZY(libisal(), isal_inflate_init)(state_.get());
  state_->crc_flag = ISAL_GZIP;  // parse the header, check CRC and size
  state_->avail_in = 0;
#endif
}

GunzipStream::~GunzipStream() = default;

Status GunzipStream::refill() {
#if SBX_HAVE_ISAL
  for (;;) {
    ssize_t n = ::read(fd_, in_.get(), kInputBlock);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", "layer blob");
    if (n == 0) input_ended_ = true;
    state_->next_in = in_.get();
    state_->avail_in = static_cast<uint32_t>(n);
    return {};
  }
#else
  return fail("gzip: built without ISA-L", ENOSYS);
#endif
}

void GunzipStream::start_member() {
#if SBX_HAVE_ISAL
  // Keeps the unread input: the next member starts there.
  uint8_t* next_in = state_->next_in;
  uint32_t avail_in = state_->avail_in;
  SBX_LAZY(libisal(), isal_inflate_reset)(state_.get());
  state_->crc_flag = ISAL_GZIP;
  state_->next_in = next_in;
  state_->avail_in = avail_in;
  member_ended_ = false;
#endif
}

Result<size_t> GunzipStream::read(unsigned char* out, size_t size) {
#if SBX_HAVE_ISAL
  inflate_state* s = state_.get();
  s->next_out = out;
  s->avail_out = static_cast<uint32_t>(size);
  while (s->avail_out == size) {
    if (member_ended_) {
      if (s->avail_in == 0 && !input_ended_) SBX_TRY(refill());
      if (s->avail_in == 0) return size_t{0};  // the end, right after a member
      start_member();
    }
    if (s->avail_in == 0) {
      if (input_ended_) return fail("gzip: truncated stream", EIO);
      SBX_TRY(refill());
      if (s->avail_in == 0) return fail("gzip: truncated stream", EIO);
    }
    int rc = SBX_LAZY(libisal(), isal_inflate)(s);
    if (rc < 0) return fail(std::string("gzip: ") + isal_message(rc), EIO);
    if (s->block_state == ISAL_BLOCK_FINISH) {
      member_ended_ = true;
      if (s->avail_out != size) break;  // hand out what the member ended with
    }
  }
  return size - s->avail_out;
#else
  (void)out;
  (void)size;
  return fail("gzip: built without ISA-L", ENOSYS);
#endif
}

}  // namespace sbx::rootfs
