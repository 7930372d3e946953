// Shared by the fuzz targets (tests/fuzz/README.md): the input as text, an
// invariant check that libFuzzer reports as a crash, and inputs as files.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "sandbox/base/files.hpp"

namespace sbx::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first line and the rest, for targets that take two inputs in one.
inline std::pair<std::string_view, std::string_view> split_first_line(std::string_view text) {
  size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return {text, {}};
  return {text.substr(0, newline), text.substr(newline + 1)};
}

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
  std::abort();  // libFuzzer keeps the input as crash-<sha1>
}

// A memfd holding the current input, opened by path (/proc/self/fd/N) by code
// that wants a file; one per target, rewritten for every input.
class InputFile {
 public:
  InputFile() : fd_(::memfd_create("fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) invariant_failed("memfd_create", __FILE__, __LINE__);
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() { ::close(fd_); }

  // Replaces the contents; readers of fd() start at offset 0 again.
  void write(std::string_view data) {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0)
      invariant_failed("ftruncate", __FILE__, __LINE__);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(done));
      if (n <= 0) invariant_failed("pwrite", __FILE__, __LINE__);
      done += static_cast<size_t>(n);
    }
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

// Tar headers carry a checksum, and libarchive rejects a header whose sum is
// wrong: nearly every mutation of a header would end the archive there. So the
// tar targets fix the sum of every 512-byte block that says "ustar" (ustar,
// pax, GNU) before the parser sees it; compressed inputs stay as they are.
inline void fix_tar_checksums(std::string& data) {
  constexpr size_t kBlock = 512, kSumAt = 148, kSumSize = 8, kMagicAt = 257;
  for (size_t at = 0; at + kBlock <= data.size(); at += kBlock) {
    if (data.compare(at + kMagicAt, 5, "ustar") != 0) continue;
    unsigned sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      bool in_sum = i >= kSumAt && i < kSumAt + kSumSize;
      sum += in_sum ? ' ' : static_cast<unsigned char>(data[at + i]);
    }
    std::snprintf(&data[at + kSumAt], kSumSize, "%06o", sum & 0777777);  // 6 digits, NUL
    data[at + kSumAt + kSumSize - 1] = ' ';
  }
}

// A scratch dir for the whole run ($TMPDIR, else /tmp), removed at exit; kept
// after a crash, for a look at what the input left.
inline TempDir make_temp_dir(const char* prefix) {
  auto dir = TempDir::create({}, prefix);
  if (!dir) invariant_failed("cannot create a temp dir in $TMPDIR", __FILE__, __LINE__);
  return std::move(*dir);
}

}  // namespace sbx::fuzz

// Aborts (a finding) when `condition` does not hold for the current input.
#define SBX_FUZZ_CHECK(condition) \
  ((condition) ? (void)0 : ::sbx::fuzz::invariant_failed(#condition, __FILE__, __LINE__))
