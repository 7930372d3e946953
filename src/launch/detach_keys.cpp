// docker's --detach-keys grammar and the matcher of attach's input.
#include "sandbox/launch/detach_keys.hpp"

#include <cctype>
#include <optional>

namespace sbx::launch {
namespace {

// ctrl-<x>: a-z are 1-26, then @ [ \ ] ^ _ as the terminal sends them.
std::optional<char> control_key(std::string_view name) {
  if (name.size() != 1) return std::nullopt;
  char c = name[0];
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 1);
  switch (c) {
    case '@':
      return '\0';
    case '[':
      return '\x1b';
    case '\\':
      return '\x1c';
    case ']':
      return '\x1d';
    case '^':
      return '\x1e';
    case '_':
      return '\x1f';
    default:
      return std::nullopt;
  }
}

}  // namespace

Result<std::string> parse_detach_keys(std::string_view spec) {
  std::string keys;
  if (spec.empty()) return keys;
  auto invalid = [&](std::string_view key) {
    return fail(Error("invalid --detach-keys '" + std::string(spec) + "': unknown key '" +
                          std::string(key) + "'",
                      EINVAL)
                    .with_hint("give keys as ctrl-<a-z, @, [, \\, ], ^ or _> or single "
                               "characters, separated by commas: ctrl-p,ctrl-q"));
  };
  size_t start = 0;
  for (;;) {
    size_t comma = spec.find(',', start);
    std::string_view key =
        spec.substr(start, comma == std::string_view::npos ? comma : comma - start);
    std::string lower(key);  // docker takes CTRL-P too
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.size() == 1) {
      keys += key[0];
    } else if (lower.starts_with("ctrl-")) {
      auto control = control_key(std::string_view(lower).substr(5));
      if (!control) return invalid(key);
      keys += *control;
    } else {
      return invalid(key);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return keys;
}

bool DetachKeyMatcher::feed(std::string_view input, std::string& out) {
  for (char c : input) {
    if (keys_.empty()) {
      out += c;
      continue;
    }
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) return true;
      continue;
    }
    // Not the sequence after all: what was held goes on, and `c` may begin
    // it again (docker's proxy does the same, without looking back further).
    out.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) return true;
    } else {
      out += c;
    }
  }
  return false;
}

}  // namespace sbx::launch
