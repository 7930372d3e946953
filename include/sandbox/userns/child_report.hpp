// What a forked child sends back to its parent: warnings, then the outcome
// (done, an Error with errno and hint, or "about to exec"). Length-prefixed
// records so any bytes survive; pure, so both ends are unit-tested.
//
//   record  = type:u8 length:u32le payload
//   'W'     payload = warning text
//   'E'     payload = errno:u32le msg_len:u32le msg hint_len:u32le hint
//   'K'     payload empty: the body finished successfully
//   'X'     payload empty: the child is calling execve (EOF follows on success)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/base/error.hpp"

namespace sbx::userns {

struct ChildReport {
  std::vector<std::string> warnings;
  std::optional<Error> error;
  bool done = false;       // 'K' seen
  bool exec_sent = false;  // 'X' seen
};

std::string encode_warning(std::string_view text);
std::string encode_error(const Error& error);
std::string encode_done();
std::string encode_exec();

// Decodes a whole stream; a truncated or unknown record is an error.
Result<ChildReport> decode_child_report(std::string_view bytes);

}  // namespace sbx::userns
