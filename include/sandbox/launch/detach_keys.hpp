// --detach-keys (attach, start, run -d then attach): docker's grammar, a
// comma-separated list of keys, each a single character or ctrl-<x> with x
// one of a-z @ [ \ ] ^ _ ; "" disables detaching. Default ctrl-p,ctrl-q.
#pragma once

#include <string>
#include <string_view>

#include "sandbox/base/error.hpp"

namespace sbx::launch {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// The bytes a terminal sends for `spec`; empty for "" (no detaching).
Result<std::string> parse_detach_keys(std::string_view spec);

// Watches input for the sequence: bytes that could start it are held back
// until they are known not to, then passed on.
class DetachKeyMatcher {
 public:
  explicit DetachKeyMatcher(std::string keys) : keys_(std::move(keys)) {}
  // Appends to `out` what goes on to the container; true once the whole
  // sequence came (the rest of `input` is dropped).
  bool feed(std::string_view input, std::string& out);

 private:
  std::string keys_;
  size_t matched_ = 0;
};

}  // namespace sbx::launch
