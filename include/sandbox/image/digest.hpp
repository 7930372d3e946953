// Content digests ("sha256:<64 lowercase hex>") and a streaming SHA-256.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::image {

class Digest {
 public:
  Digest() = default;
  // Accepts "sha256:" followed by exactly 64 lowercase hex digits; anything
  // else (other algorithms, upper case, wrong length) is an error naming it.
  static Result<Digest> parse(std::string_view text);
  // From 64 lowercase hex digits (as Sha256::finish_hex returns them).
  static Result<Digest> from_sha256_hex(std::string_view hex);

  bool empty() const { return hex_.empty(); }
  std::string_view algorithm() const { return "sha256"; }
  const std::string& hex() const { return hex_; }
  // "sha256:<hex>"
  std::string str() const { return empty() ? std::string() : "sha256:" + hex_; }
  // First 12 hex digits, as docker shows image ids.
  std::string short_hex() const { return hex_.substr(0, 12); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// Streaming SHA-256 (nettle).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Bytes fed so far.
  uint64_t size() const { return size_; }
  // Ends the hash; the hasher starts over afterwards.
  std::string finish_hex();
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t size_ = 0;
};

Digest sha256_of(std::string_view data);
// Hashes a file by streaming it.
Result<Digest> sha256_of_file(const std::filesystem::path& path);

}  // namespace sbx::image
