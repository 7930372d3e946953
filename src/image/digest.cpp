// Digests and streaming SHA-256 over nettle (no global state to initialise,
// unlike OpenSSL, whose init reads openssl.cnf at every `run`).
#include "sandbox/image/digest.hpp"

#include <fcntl.h>
#include <nettle/sha2.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>

#include "sandbox/base/files.hpp"

namespace sbx::image {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Result<Digest> Digest::from_sha256_hex(std::string_view hex) {
  if (hex.size() != 64 || !is_lower_hex(hex))
    return fail("invalid sha256 digest '" + std::string(hex) + "': want 64 lowercase hex digits");
  return Digest(std::string(hex));
}

Result<Digest> Digest::parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail("invalid digest '" + std::string(text) + "': want 'sha256:<hex>'");
  std::string_view algorithm = text.substr(0, colon);
  if (algorithm != "sha256")
    return fail("unsupported digest algorithm '" + std::string(algorithm) + "' in '" +
                std::string(text) + "' (only sha256)");
  return from_sha256_hex(text.substr(colon + 1));
}

struct Sha256::Impl {
  sha256_ctx ctx;
  Impl() { sha256_init(&ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  if (size == 0) return;
  sha256_update(&impl_->ctx, size, static_cast<const uint8_t*>(data));
  size_ += size;
}

std::string Sha256::finish_hex() {
  std::array<uint8_t, SHA256_DIGEST_SIZE> md{};
  sha256_digest(&impl_->ctx, md.size(), md.data());  // also resets the context
  size_ = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(md.size() * 2);
  for (uint8_t byte : md) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

Digest Sha256::finish() { return *Digest::from_sha256_hex(finish_hex()); }

Digest sha256_of(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

Result<Digest> sha256_of_file(const std::filesystem::path& path) {
  auto fd = SBX_TRY(open_file(path, O_RDONLY | O_CLOEXEC));
  Sha256 hasher;
  std::array<char, 1 << 16> buffer{};
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read", path.string());
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<size_t>(n));
  }
  return hasher.finish();
}

}  // namespace sbx::image
