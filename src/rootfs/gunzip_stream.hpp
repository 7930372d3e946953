// The uncompressed bytes of a gzip layer blob, inflated by ISA-L (libisal,
// loaded on first use): 3-4x the speed of zlib, which libarchive's own gzip
// filter uses, and inflating is most of the CPU of a pull. Multi-member
// streams are read through; a truncated stream, a bad block or a CRC/size
// mismatch in a member's trailer is an error. Private to rootfs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "sandbox/base/error.hpp"

struct inflate_state;

namespace sbx::rootfs {

class GunzipStream {
 public:
  // False when libisal is not installed (or was not there at build time):
  // callers then read the blob through libarchive's gzip filter.
  static bool available();

  // Reads from `fd` (not owned, positioned at the gzip magic).
  explicit GunzipStream(int fd);
  ~GunzipStream();
  GunzipStream(const GunzipStream&) = delete;
  GunzipStream& operator=(const GunzipStream&) = delete;

  // Up to `size` uncompressed bytes into `out`; 0 once the last member ended.
  Result<size_t> read(unsigned char* out, size_t size);

 private:
  Status refill();
  void start_member();

  int fd_;
  std::unique_ptr<inflate_state> state_;
  std::unique_ptr<unsigned char[]> in_;  // not zeroed: read() fills it
  bool input_ended_ = false;
  bool member_ended_ = false;  // the last member ended, the next not begun
};

}  // namespace sbx::rootfs
